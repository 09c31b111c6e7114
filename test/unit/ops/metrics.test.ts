// Specification of the call path's metric helpers: every call counts under its own labels, first or repeated.
import { describe, expect, it } from 'vitest';
import { countToolCall, registry, timeUpstream } from '../../../src/ops/metrics.js';

/** The samples of one metric family named `sample` (a counter's own name, a histogram's `_count`). */
async function samples(family: string, sample = family) {
  const values = (await registry.getSingleMetric(family)?.get())?.values ?? [];
  return values.filter((v) => ((v as { metricName?: string }).metricName ?? family) === sample);
}

describe('call path metrics', () => {
  it('counts each tool call under its tool and outcome, and times it under its tool', async () => {
    countToolCall('unit_tool', 'ok', 0.02);
    countToolCall('unit_tool', 'ok', 0.03);
    countToolCall('unit_tool', 'error', 0.5);
    countToolCall('unit_other', 'ok', 0.01);
    const calls = (await samples('countersign_mcp_tool_calls_total'))
      .filter((v) => String(v.labels.tool).startsWith('unit_'))
      .map((v) => [`${v.labels.tool} ${v.labels.outcome}`, v.value]);
    expect(Object.fromEntries(calls)).toEqual({
      'unit_tool ok': 2,
      'unit_tool error': 1,
      'unit_other ok': 1,
    });
    const timed = await samples(
      'countersign_mcp_tool_duration_seconds',
      'countersign_mcp_tool_duration_seconds_count',
    );
    expect(timed.find((v) => v.labels.tool === 'unit_tool')?.value).toBe(3);
  });

  it('times upstream calls under their HTTP status, or the code of the error they threw', async () => {
    const upstream = async () =>
      (
        await samples('countersign_upstream_request_seconds', 'countersign_upstream_request_seconds_count')
      ).filter((v) => v.labels.provider === 'unit_p');
    await timeUpstream('unit_p', async () => ({ status: 200 }));
    await timeUpstream('unit_p', async () => ({ status: 200 }));
    await timeUpstream('unit_p', async () => ({ status: 404 }));
    const failure = Object.assign(new Error('slow'), { code: 'timeout' });
    await expect(
      timeUpstream('unit_p', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(timeUpstream('unit_p', () => Promise.reject(new Error('bare')))).rejects.toThrow('bare');
    const byStatus = Object.fromEntries((await upstream()).map((v) => [v.labels.status, v.value]));
    expect(byStatus).toEqual({ '200': 2, '404': 1, timeout: 1, error: 1 });
  });
});
