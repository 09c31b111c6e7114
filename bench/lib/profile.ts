// Reads a V8 .cpuprofile and lists where the server spent its CPU: by package or source folder, and by function.
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** `node_modules/<pkg>`, `src/<folder>`, `node:<internal>`, or V8's own buckets such as (garbage collector). */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  // The build (dist/) is src/ compiled: the same folders.
  const src = /\/(src|dist|test|bench)\/([^/]+)/.exec(url);
  if (src) {
    const root = src[1] === 'dist' ? 'src' : src[1];
    return src[2]!.includes('.') ? `${root}/${src[2]}` : `${root}/${src[2]}/`;
  }
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url;
}

export async function summarizeProfile(path: string, top = 20): Promise<string> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const sampleCount =
    profile.samples?.length ?? profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const msPerSample = sampleCount ? (profile.endTime - profile.startTime) / 1000 / sampleCount : 0;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += hits;
    const area = areaOf(url, functionName);
    const name = `${functionName || '(anonymous)'}  ${area}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  const inclusive = inclusiveByArea(profile.nodes);
  const list = (map: Map<string, number>, count = top) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(
        ([key, hits]) =>
          `  ${((hits / busy) * 100).toFixed(1).padStart(5)}%  ${(hits * msPerSample).toFixed(0).padStart(6)} ms  ${key}`,
      )
      .join('\n');
  return [
    'top 10 modules, self time:',
    list(byArea, 10),
    `busy ${(busy * msPerSample).toFixed(0)} ms of ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms profiled (self time)`,
    'by area, self time:',
    list(byArea),
    'by area, inclusive (samples with the area anywhere on the stack):',
    list(inclusive),
    'by function:',
    list(byFunction),
  ].join('\n');
}

/** Hits per area counting every sample once for each area on its stack (idle excluded). */
function inclusiveByArea(nodes: ProfileNode[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const childIds = new Set(nodes.flatMap((n) => n.children ?? []));
  const totals = new Map<string, number>();
  const onStack = new Map<string, number>();
  // Iterative depth-first walk: enter pushes the node's area, exit pops it.
  const stack: Array<{ node: ProfileNode; exit: boolean }> = nodes
    .filter((n) => !childIds.has(n.id))
    .map((node) => ({ node, exit: false }));
  while (stack.length > 0) {
    const { node, exit } = stack.pop()!;
    const { functionName, url } = node.callFrame;
    const area = areaOf(url, functionName);
    if (exit) {
      onStack.set(area, onStack.get(area)! - 1);
      continue;
    }
    onStack.set(area, (onStack.get(area) ?? 0) + 1);
    const hits = functionName === '(idle)' ? 0 : (node.hitCount ?? 0);
    if (hits) {
      for (const [a, depth] of onStack) if (depth > 0) totals.set(a, (totals.get(a) ?? 0) + hits);
    }
    stack.push({ node, exit: true });
    for (const id of node.children ?? []) {
      const child = byId.get(id);
      if (child) stack.push({ node: child, exit: false });
    }
  }
  totals.delete('(root)');
  return totals;
}
