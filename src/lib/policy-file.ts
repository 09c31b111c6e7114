// Reads POLICY_FILE from disk into a compiled policy, or its errors (a missing file is one error too).
import { readFileSync } from 'node:fs';
import { type PolicyLoad, parsePolicyText } from '../grants/rules/load.js';

export function readPolicyFile(path: string): PolicyLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'unknown error'})`;
    return { ok: false, errors: [{ file: path, line: 0, path: '', message }] };
  }
  return parsePolicyText(text, path);
}
