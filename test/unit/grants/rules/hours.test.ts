// Specification of rule hours: weekdays and times in a named time zone, across zones and daylight-saving changes.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../../src/grants/rules/evaluate.js';
import { compileHours, withinHours } from '../../../../src/grants/rules/hours.js';
import type { Weekday } from '../../../../src/grants/rules/schema.js';
import { policyOf, request } from './helpers.js';

const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const hours = (timezone: string, from: string, to: string, days: Weekday[] = WEEKDAYS) =>
  compileHours({ timezone, days, from, to });

describe('hours', () => {
  // Each row: a window, an instant (UTC) and whether it lies inside.
  it.each([
    // Berlin office hours; 2026-03-29 and 2026-10-25 are the last Sundays of March and October (DST changes).
    [
      'Berlin, Friday before the spring change, 08:30Z = 09:30 CET',
      'Europe/Berlin',
      '09:00',
      '17:00',
      '2026-03-27T08:30:00Z',
      true,
    ],
    [
      'Berlin, Friday before the spring change, 07:30Z = 08:30 CET',
      'Europe/Berlin',
      '09:00',
      '17:00',
      '2026-03-27T07:30:00Z',
      false,
    ],
    [
      'Berlin, Monday after the spring change, 07:30Z = 09:30 CEST',
      'Europe/Berlin',
      '09:00',
      '17:00',
      '2026-03-30T07:30:00Z',
      true,
    ],
    [
      'Berlin, Friday before the spring change, 15:30Z = 16:30 CET',
      'Europe/Berlin',
      '09:00',
      '17:00',
      '2026-03-27T15:30:00Z',
      true,
    ],
    [
      'Berlin, Monday after the spring change, 15:30Z = 17:30 CEST',
      'Europe/Berlin',
      '09:00',
      '17:00',
      '2026-03-30T15:30:00Z',
      false,
    ],
    [
      'Berlin, Monday after the autumn change, 07:30Z = 08:30 CET',
      'Europe/Berlin',
      '09:00',
      '17:00',
      '2026-10-26T07:30:00Z',
      false,
    ],
    [
      'Berlin, Friday before the autumn change, 07:30Z = 09:30 CEST',
      'Europe/Berlin',
      '09:00',
      '17:00',
      '2026-10-23T07:30:00Z',
      true,
    ],
    // Same instant, two zones: Monday morning in Tokyo is Sunday evening in New York.
    ['Tokyo, Monday 09:30 JST', 'Asia/Tokyo', '09:00', '17:00', '2026-12-07T00:30:00Z', true],
    [
      'New York, the same instant: Sunday 19:30 EST',
      'America/New_York',
      '09:00',
      '17:00',
      '2026-12-07T00:30:00Z',
      false,
    ],
    ['New York, Monday 09:30 EST', 'America/New_York', '09:00', '17:00', '2026-12-07T14:30:00Z', true],
    ['UTC, the end of the window is excluded', 'UTC', '09:00', '17:00', '2026-12-07T17:00:00Z', false],
    ['UTC, the start of the window is included', 'UTC', '09:00', '17:00', '2026-12-07T09:00:00Z', true],
    ['UTC, until 24:00', 'UTC', '18:00', '24:00', '2026-12-07T23:59:00Z', true],
  ])('%s', (_name, zone, from, to, at, inside) => {
    expect(withinHours(hours(zone, from, to), Date.parse(at))).toBe(inside);
  });

  describe('an hour that does not exist or happens twice', () => {
    // Sundays 02:00-03:00 Berlin time.
    const night = hours('Europe/Berlin', '02:00', '03:00', ['sun']);
    it.each([
      ['spring: 00:30Z is 01:30 CET', '2026-03-29T00:30:00Z', false],
      ['spring: 01:00Z is already 03:00 CEST (02:00-03:00 is skipped)', '2026-03-29T01:00:00Z', false],
      ['autumn: 00:30Z is 02:30 CEST', '2026-10-25T00:30:00Z', true],
      ['autumn: 01:30Z is 02:30 CET, the repeated hour', '2026-10-25T01:30:00Z', true],
      ['autumn: 02:30Z is 03:30 CET', '2026-10-25T02:30:00Z', false],
    ])('%s', (_name, at, inside) => {
      expect(withinHours(night, Date.parse(at))).toBe(inside);
    });
  });

  describe('an overnight window belongs to the day it starts on', () => {
    // Friday 22:00 to Saturday 06:00, UTC.
    const overnight = hours('UTC', '22:00', '06:00', ['fri']);
    it.each([
      ['Friday 23:00', '2026-12-04T23:00:00Z', true],
      ['Saturday 03:00', '2026-12-05T03:00:00Z', true],
      ['Saturday 06:00', '2026-12-05T06:00:00Z', false],
      ['Saturday 23:00', '2026-12-05T23:00:00Z', false],
      ['Friday 03:00 (Thursday night is not listed)', '2026-12-04T03:00:00Z', false],
    ])('%s', (_name, at, inside) => {
      expect(withinHours(overnight, Date.parse(at))).toBe(inside);
    });
  });
});

describe('outside its hours a rule', () => {
  const office = { timezone: 'Europe/Berlin', days: WEEKDAYS, from: '09:00', to: '17:00' };
  const inside = Date.parse('2026-12-02T10:00:00Z'); // Wednesday 11:00 CET
  const outside = Date.parse('2026-12-05T10:00:00Z'); // Saturday

  it('with outsideHours: deny, denies', () => {
    const policy = policyOf([{ id: 'office', decision: 'approve', hours: office, outsideHours: 'deny' }]);
    expect(evaluatePolicy(policy, request(), inside)).toMatchObject({
      decision: 'approve',
      decidedBy: 'office',
    });
    const after = evaluatePolicy(policy, request(), outside);
    expect(after).toMatchObject({ decision: 'deny', decidedBy: 'office' });
    expect(after.gates[0]!.outsideHours).toEqual(['office']);
  });

  it('with outsideHours: needs-approval, decides nothing and allows no self-approval', () => {
    const policy = policyOf([
      { id: 'office', decision: 'approve', hours: office, outsideHours: 'needs-approval' },
      { id: 'self', selfApprove: 'write', approvers: { slackUsers: ['U0BOB'] }, fallback: true },
      { id: 'cap', maxDuration: '1h' },
    ]);
    const after = evaluatePolicy(policy, request(), outside);
    // No matching rule names approvers: the fallback's say who approves (not its self-approval).
    expect(after).toMatchObject({ decision: 'needs-approval', rules: ['office', 'self', 'cap'] });
    expect(after.gates[0]).toMatchObject({
      selfApprove: 'none',
      approvals: 1,
      outsideHours: ['office'],
      approvers: { slackUsers: ['U0BOB'], slackGroups: [], emails: [] },
    });
    // The same rules inside the hours: approved by the rule.
    expect(evaluatePolicy(policy, request(), inside)).toMatchObject({
      decision: 'approve',
      decidedBy: 'office',
    });
  });
});
