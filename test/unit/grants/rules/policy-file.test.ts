// Specification of the policy file: a bad-file corpus (each file names its line and reason), and what is accepted.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatPolicyError, parsePolicyText } from '../../../../src/grants/rules/load.js';
import { parseYaml } from '../../../../src/grants/rules/yaml.js';

const corpus = new URL('./policy-files/', import.meta.url);
const files = readdirSync(corpus).filter((name) => name.endsWith('.yml'));

describe('a bad policy file is refused with its line and what is wrong', () => {
  it('the corpus is there', () => {
    expect(files.length).toBeGreaterThanOrEqual(24);
  });

  it.each(files)('%s', (name) => {
    const text = readFileSync(new URL(name, corpus), 'utf8');
    // Each file opens with "# expect: LINE: words of the message".
    const [, line, words] = /^# expect: (\d+): (.+)$/m.exec(text)!;
    const load = parsePolicyText(text, name);
    expect(load.ok).toBe(false);
    if (load.ok) return;
    const shown = load.errors.map(formatPolicyError);
    expect(shown).toContainEqual(expect.stringContaining(`${name}:${line}: `));
    expect(shown.find((s) => s.startsWith(`${name}:${line}: `))).toContain(words);
  });

  // Not YAML at all, so kept inline: the repository's formatter would refuse them as files.
  it.each([
    [
      'a tab in the indentation',
      'version: 1\nrules:\n  - id: a\n\t  decision: deny',
      4,
      'tabs are not allowed in indentation',
    ],
    [
      'a deeper line after a value',
      'version: 1\nrules:\n  - id: a\n    decision: deny\n      approvals: 2',
      4,
      'quote the value',
    ],
    [
      'an unterminated quote',
      "version: 1\nrules:\n  - id: a\n    description: 'half",
      4,
      'unterminated quoted text',
    ],
    ['a second document', 'version: 1\n---\nrules: []', 2, 'only one YAML document is allowed'],
    [
      'a list item inside a list item',
      'version: 1\nrules:\n  - - id: a',
      3,
      'expected object, received array',
    ],
    ['a mapping inside a value', 'version: 1\nrules:\n  - id: a: b', 3, 'quote the value'],
  ])('%s', (_name, text, line, words) => {
    const load = parsePolicyText(text, 'inline.yml');
    expect(load.ok ? [] : load.errors.map(formatPolicyError)).toEqual([
      expect.stringMatching(`^inline.yml:${line}: .*${words}`),
    ]);
  });

  it('reports every error at once, in line order', () => {
    const load = parsePolicyText(
      [
        'version: 1',
        'rules:',
        '  - id: a',
        '    approvals: 0',
        '  - id: b',
        '    colour: red',
        '    maxDuration: x',
      ].join('\n'),
      'p.yml',
    );
    expect(load.ok ? [] : load.errors.map(formatPolicyError)).toEqual([
      'p.yml:4: rules[0].approvals: Too small: expected number to be >=1',
      'p.yml:6: rules[1]: unknown key "colour"',
      'p.yml:7: rules[1].maxDuration: expected a duration such as "15m", "8h" or "7d", got "x"',
    ]);
  });
});

describe('a good policy file', () => {
  it('policy.example.yml is valid and documents every field', () => {
    const text = readFileSync(new URL('../../../../policy.example.yml', import.meta.url), 'utf8');
    const load = parsePolicyText(text, 'policy.example.yml');
    expect(load.ok ? load.policy.rules.map((r) => r.id) : load.errors.map(formatPolicyError)).toEqual([
      'alice-linear-read',
      'snowflake-write-data-team',
      'deploys-office-hours',
      'contractors',
      'everything-else',
    ]);
    const fields = [
      ...['id', 'description', 'fallback', 'match', 'decision', 'selfApprove', 'approvals', 'approvers'],
      ...['channel', 'maxDuration', 'defaultDuration', 'requireReason', 'hours', 'outsideHours', 'limits'],
      ...['providers', 'level', 'kind', 'requester', 'clients', 'methods', 'urls', 'emails', 'organizations'],
      ...['slackUsers', 'slackGroups', 'timezone', 'days', 'from', 'to', 'maxPending', 'requestsPerMinute'],
    ];
    const undocumented = fields.filter((field) => !new RegExp(`^\\s*(- )?${field}:.*#`, 'm').test(text));
    expect(undocumented).toEqual([]);
  });

  it.each([
    [
      'comments and quotes',
      "a: 'x # y' # note\nb: \"q\\\"\" \nc: it''s",
      { a: 'x # y', b: 'q"', c: "it''s" },
    ],
    [
      'plain text keeps YAML 1.2 meaning',
      'a: 09:00\nb: no\nc: 12\nd: true\ne: ~\nf: 1.5',
      { a: '09:00', b: 'no', c: 12, d: true, e: null, f: 1.5 },
    ],
    ['flow lists', 'a: [x, \'y, z\', "w"]\nb: []', { a: ['x', 'y, z', 'w'], b: [] }],
    ["a list at its key's indentation", 'a:\n- x\n- y\nb: 1', { a: ['x', 'y'], b: 1 }],
    ['lists of mappings', 'a:\n  - k: 1\n    l: [2]\n  -\n    k: 3', { a: [{ k: 1, l: [2] }, { k: 3 }] }],
    ['one leading document marker', '---\na: 1', { a: 1 }],
    ['an empty value', 'a:\nb: 1', { a: null, b: 1 }],
  ])('the YAML subset: %s', (_name, text, value) => {
    const parsed = parseYaml(text);
    expect(parsed.ok && parsed.value).toEqual(value);
  });

  it('is named by a version that changes with its text', () => {
    const version = (text: string) => {
      const load = parsePolicyText(text, 'p.yml');
      return load.ok ? load.policy.version : load.errors;
    };
    const text = 'version: 1\nrules:\n  - id: a\n    decision: deny\n';
    expect(version(text)).toMatch(/^[0-9a-f]{16}$/);
    expect(version(text)).toBe(version(text));
    expect(version(text)).not.toBe(version(text.replace('deny', 'approve')));
  });

  it('knows the line of every value', () => {
    const parsed = parseYaml('# c\nrules:\n  - id: a\n\n  - id: b\n    match:\n      level: read\n');
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.lineOf(['rules'])).toBe(2);
    expect(parsed.lineOf(['rules', 1])).toBe(5);
    expect(parsed.lineOf(['rules', 1, 'match', 'level'])).toBe(7);
    expect(parsed.lineOf(['rules', 1, 'match', 'nothing'])).toBe(6);
  });
});
