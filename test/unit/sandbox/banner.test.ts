// The sandbox banner says where a first request shows up, as it really goes: a read under SELF_APPROVE=read
// waits in Alice's own DM, a write in #access-approvals for Bob.
import { describe, expect, it } from 'vitest';
import { routeLines } from '../../../src/sandbox/start-sandbox.js';

describe('the sandbox banner’s first steps', () => {
  it('under SELF_APPROVE=read: reads in Alice’s DM, writes in #access-approvals for Bob', () => {
    const text = routeLines('read').join('\n');
    expect(text).toMatch(/read access .*Alice's own DM/);
    expect(text).toMatch(/write access .*#access-approvals.*Bob/);
  });

  it('names only the route that applies at the ends of the range', () => {
    expect(routeLines('write').join('\n')).not.toContain('#access-approvals');
    expect(routeLines('none').join('\n')).not.toContain('own DM');
  });

  it('with the sandbox policy: Linear reads approved at once, Snowflake writes need Bob and Carol', () => {
    const text = routeLines('read', true).join('\n');
    expect(text).toMatch(/read access to Linear.*approves it at once.*alice-linear-read/);
    expect(text).toMatch(/other reads.*Alice's own DM/);
    expect(text).toMatch(/Snowflake write needs Bob and Carol/);
  });
});
