// Policy text → a compiled policy, or every error with the file, the line and what is wrong.
import type { z } from 'zod';
import { type CompiledPolicy, compilePolicy } from './compile.js';
import { policySchema } from './schema.js';
import { parseYaml, type YamlPath } from './yaml.js';

export interface PolicyError {
  file: string;
  line: number;
  /** Where in the document, e.g. `rules[2].match.level`; empty for the whole file. */
  path: string;
  message: string;
}

export type PolicyLoad = { ok: true; policy: CompiledPolicy } | { ok: false; errors: PolicyError[] };

/** One line per error: `policy.yml:12: rules[1].approvals: expected a number`. */
export function formatPolicyError(error: PolicyError): string {
  return `${error.file}:${error.line}: ${error.path ? `${error.path}: ` : ''}${error.message}`;
}

/** Parses and validates a policy file's text. `file` only names it in errors and in the policy's source. */
export function parsePolicyText(text: string, file: string): PolicyLoad {
  const yaml = parseYaml(text);
  if (!yaml.ok) return { ok: false, errors: [{ file, line: yaml.line, path: '', message: yaml.message }] };
  if (yaml.value === null || typeof yaml.value !== 'object' || Array.isArray(yaml.value)) {
    return {
      ok: false,
      errors: [{ file, line: 1, path: '', message: 'expected a mapping with version: 1 and rules: [...]' }],
    };
  }
  const parsed = policySchema.safeParse(yaml.value);
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((issue) => toErrors(issue, file, yaml.lineOf));
    errors.sort((a, b) => a.line - b.line);
    return { ok: false, errors };
  }
  return { ok: true, policy: compilePolicy(parsed.data, { kind: 'file', file }, text) };
}

function toErrors(issue: z.core.$ZodIssue, file: string, lineOf: (path: YamlPath) => number): PolicyError[] {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      file,
      line: lineOf([...path, key]),
      path: showPath(path),
      message: `unknown key "${key}"`,
    }));
  }
  // zod words a missing key as a type error ("expected array, received undefined").
  const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
  return [
    { file, line: lineOf(path), path: showPath(path), message: missing ? 'is required' : issue.message },
  ];
}

function showPath(path: readonly (string | number)[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}
