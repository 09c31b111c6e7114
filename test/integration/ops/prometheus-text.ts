// A strict parser for the Prometheus text exposition format (0.0.4), enough to check what /metrics serves:
// HELP and TYPE lines, then `name{label="value",…} value [timestamp]` samples of a declared family.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string | null;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export class ParseError extends Error {}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new ParseError(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta =
        new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`).exec(line) ?? fail('not a HELP or TYPE line');
      const [, kind, name, rest = ''] = meta;
      if (kind === 'HELP') {
        if (helps.has(name!)) fail('second HELP for the family');
        helps.set(name!, rest);
        return;
      }
      if (!TYPES.has(rest)) fail('unknown type');
      if (families.has(name!)) fail('second TYPE for the family');
      families.set(name!, { name: name!, help: null, type: rest as Family['type'], samples: [] });
      return;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(families, sample.name) ?? fail('sample of no declared family');
    if (family.type === 'histogram' && sample.name.endsWith('_bucket') && sample.labels.le === undefined)
      fail('histogram bucket without le');
    family.samples.push(sample);
  });
  for (const [name, help] of helps) {
    const family = families.get(name);
    if (!family) throw new ParseError(`HELP for ${name} without a TYPE`);
    family.help = help;
  }
  return families;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const head = new RegExp(`^(${NAME})`).exec(line) ?? fail('bad metric name');
  const name = head[1]!;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const pair = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"/.exec(rest) ?? fail('bad label');
      const [whole, key, raw] = pair;
      if (!LABEL_NAME.test(key!)) fail('bad label name');
      if (key! in labels) fail('repeated label');
      labels[key!] = raw!.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(whole.length);
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) fail('labels not separated by commas');
    }
    rest = rest.slice(1);
  }
  const tail = /^ (\S+)(?: (-?\d+))?$/.exec(rest) ?? fail('bad value part');
  const value = parseValue(tail[1]!) ?? fail('value is not a number');
  return { name, labels, value };
}

/** Floats as Prometheus reads them (Go's ParseFloat): infinities and NaN in any letter case. */
function parseValue(text: string): number | null {
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Infinity;
  if (/^nan$/i.test(text)) return Number.NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : null;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const family of families.values()) {
    if (SUFFIXES[family.type].some((suffix) => `${family.name}${suffix}` === sampleName)) return family;
  }
  return undefined;
}

/** Sum of the samples named `name` whose labels include `labels` (0 when none match). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) total += sample.value;
    }
  }
  return total;
}

/** Whether any sample named `name` with those labels exists. */
export function hasSample(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): boolean {
  return [...families.values()].some((family) =>
    family.samples.some(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    ),
  );
}
