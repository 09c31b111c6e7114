// Reads a V8 sampling .heapprofile (collected objects included) and lists where the server allocated: by package
// or source folder, and by function (self bytes: allocated in that function's own frame).
import { readFile } from 'node:fs/promises';
import { areaOf } from './profile.js';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

export async function summarizeHeapProfile(path: string, top = 25): Promise<string> {
  const { head } = JSON.parse(await readFile(path, 'utf8')) as { head: HeapNode };
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  const stack = [head];
  while (stack.length > 0) {
    const node = stack.pop()!;
    stack.push(...node.children);
    if (!node.selfSize) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    const name = `${functionName || '(anonymous)'}  ${area}${url ? `:${lineNumber + 1}` : ''}`;
    total += node.selfSize;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    byArea.set(area, (byArea.get(area) ?? 0) + node.selfSize);
  }
  const list = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(
        ([key, bytes]) =>
          `  ${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${(bytes / 2 ** 20).toFixed(0).padStart(6)} MiB  ${key}`,
      )
      .join('\n');
  return [
    `allocated ${(total / 2 ** 20).toFixed(0)} MiB (sampled estimate), by area:`,
    list(byArea, 15),
    'by function (self):',
    list(byFunction, top),
  ].join('\n');
}
