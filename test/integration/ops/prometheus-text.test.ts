// The strict exposition-format parser the ops tests rely on: it reads prom-client's output and rejects
// what Prometheus would reject, so a malformed /metrics cannot pass the end-to-end test.
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { hasSample, ParseError, parsePrometheusText, sampleValue } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  it('reads counters and histograms from prom-client, with escaped label values', async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: 't_calls_total',
      help: 'calls',
      labelNames: ['tool'],
      registers: [registry],
    });
    const histogram = new Histogram({
      name: 't_seconds',
      help: 'time',
      labelNames: ['p'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    counter.inc({ tool: 'a"b\\c\nd' }, 2);
    counter.inc({ tool: 'x' });
    histogram.observe({ p: 'linear' }, 0.5);
    histogram.observe({ p: 'linear' }, 5);

    const families = parsePrometheusText(await registry.metrics());
    expect(families.get('t_calls_total')).toMatchObject({ type: 'counter', help: 'calls' });
    expect(sampleValue(families, 't_calls_total', { tool: 'a"b\\c\nd' })).toBe(2);
    expect(sampleValue(families, 't_calls_total')).toBe(3);
    expect(sampleValue(families, 't_seconds_count', { p: 'linear' })).toBe(2);
    expect(sampleValue(families, 't_seconds_bucket', { p: 'linear', le: '1' })).toBe(1);
    expect(sampleValue(families, 't_seconds_bucket', { p: 'linear', le: '+Inf' })).toBe(2);
    expect(hasSample(families, 't_seconds_sum', { p: 'linear' })).toBe(true);
    expect(hasSample(families, 't_seconds_sum', { p: 'notion' })).toBe(false);
  });

  it('reads infinities and NaN in the spellings Prometheus accepts', () => {
    const families = parsePrometheusText('# TYPE g gauge\ng{a="1"} Nan\ng{a="2"} +Inf\ng{a="3"} -inf\n');
    expect(sampleValue(families, 'g', { a: '1' })).toBeNaN();
    expect(sampleValue(families, 'g', { a: '2' })).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue(families, 'g', { a: '3' })).toBe(Number.NEGATIVE_INFINITY);
  });

  const bad: Array<[string, string]> = [
    ['a sample of no declared family', 'x_total 1\n'],
    ['a missing value', '# TYPE x counter\nx\n'],
    ['a value that is no number', '# TYPE x counter\nx one\n'],
    ['a half-written number', '# TYPE x gauge\nx 1.5e\n'],
    ['a bad metric name', '# TYPE x counter\n1x 1\n'],
    ['an unterminated label value', '# TYPE x counter\nx{a="b} 1\n'],
    ['labels without commas', '# TYPE x counter\nx{a="1"b="2"} 1\n'],
    ['a repeated label', '# TYPE x counter\nx{a="1",a="2"} 1\n'],
    ['a second TYPE', '# TYPE x counter\n# TYPE x counter\nx 1\n'],
    ['an unknown type', '# TYPE x meter\nx 1\n'],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\n'],
    ['a stray comment', '# just saying\n'],
    ['HELP without TYPE', '# HELP x what\n'],
  ];
  it.each(bad)('rejects %s', (_why, text) => {
    expect(() => parsePrometheusText(text)).toThrow(ParseError);
  });
});
