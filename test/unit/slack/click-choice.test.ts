// What a click may choose: read from any block by action id, and only ever narrowing the request.
import { describe, expect, it } from 'vitest';
import type { Config, SlackConfig } from '../../../src/config.js';
import { readChoice } from '../../../src/slack/click-choice.js';
import { authorizeClick } from '../../../src/slack/click-policy.js';
import type { SlackDirectory, SlackUser } from '../../../src/slack/directory.js';
import { pendingBroad } from './grant-factory.js';

const checkboxes = (values: string[]) => ({
  type: 'checkboxes',
  selected_options: values.map((value) => ({ value })),
});
const select = (value: string | null) => ({
  type: 'static_select',
  selected_option: value === null ? null : { value },
});

describe('readChoice', () => {
  const grant = pendingBroad();

  it('merges every provider group, whatever the block ids', () => {
    const result = readChoice(grant, {
      cs_providers_v3_a: { cs_providers: checkboxes(['linear']) },
      cs_providers_v3_b: { cs_providers: checkboxes(['notion']) },
      x: { cs_notes: { type: 'plain_text_input', value: '  only ENG  ' } },
      y: { cs_level: { ...select('read'), type: 'radio_buttons' } },
      z: { cs_duration: select('600000') },
    });
    expect(result).toEqual({
      ok: true,
      choice: { providers: ['linear', 'notion'], level: 'read', durationMs: 600_000, notes: 'only ENG' },
    });
  });

  it('keeps the request as asked when no inputs were shown', () => {
    expect(readChoice(grant, {})).toEqual({ ok: true, choice: { notes: null } });
  });

  it('refuses a provider that was not asked for (a tampered payload)', () => {
    const result = readChoice(grant, { a: { cs_providers: checkboxes(['linear', 'github']) } });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('github') });
  });

  it('refuses widening a read request to write, and unknown levels or durations', () => {
    const read = pendingBroad({ level: 'read', requestedLevel: 'read' });
    expect(readChoice(read, { a: { cs_level: select('write') } })).toMatchObject({ ok: false });
    expect(readChoice(grant, { a: { cs_level: select('admin') } })).toMatchObject({ ok: false });
    expect(readChoice(grant, { a: { cs_duration: select('forever') } })).toMatchObject({ ok: false });
  });

  it('ignores narrowing inputs on a per-request grant', () => {
    const request = pendingBroad({ kind: 'request' });
    expect(readChoice(request, { a: { cs_providers: checkboxes(['github']) } })).toEqual({
      ok: true,
      choice: { notes: null },
    });
  });
});

describe('authorizeClick', () => {
  const slack = { approverUsers: ['UBOB'], approverGroups: ['SLEADS'] } as unknown as SlackConfig;
  const policy: Config['policy'] = {
    selfApprove: 'read',
    approverEmails: ['carol@example.com'],
    requestsPerMinute: 20,
  };
  const directory = {
    groupMembers: async (id: string) => (id === 'SLEADS' ? ['UDAN'] : []),
  } as unknown as SlackDirectory;
  const deps = { slack, policy, directory, now: () => Date.now() };
  const user = (id: string, email: string | null, extra: Partial<SlackUser> = {}): SlackUser => ({
    id,
    email,
    name: id,
    teamId: 'T1',
    deleted: false,
    isBot: false,
    ...extra,
  });
  const grant = pendingBroad(); // write request by req@example.com

  it('lets listed approvers, user-group members and approver emails decide', async () => {
    for (const clicker of [
      user('UBOB', 'bob@example.com'),
      user('UDAN', null),
      user('UCAROL', 'carol@example.com'),
    ]) {
      expect(
        await authorizeClick(grant, clicker, 'UREQ', { level: 'write', providers: grant.providers }, deps),
      ).toMatchObject({ ok: true, as: 'approver' });
    }
  });

  it('holds the requester to SELF_APPROVE, by Slack id or by email', async () => {
    const requester = user('UREQ', null);
    expect(
      await authorizeClick(grant, requester, 'UREQ', { level: 'write', providers: grant.providers }, deps),
    ).toMatchObject({ ok: false });
    expect(
      await authorizeClick(grant, requester, 'UREQ', { level: 'read', providers: grant.providers }, deps),
    ).toEqual({
      ok: true,
      as: 'requester',
    });
    const byEmail = user('UOTHER', 'req@example.com');
    expect(
      await authorizeClick(grant, byEmail, null, { level: 'write', providers: grant.providers }, deps),
    ).toMatchObject({ ok: false });
  });

  it('refuses strangers, bots, deactivated and unknown accounts', async () => {
    for (const clicker of [
      user('UMAL', 'mallory@example.com'),
      user('UBOB', 'bob@example.com', { isBot: true }),
      user('UBOB', 'bob@example.com', { deleted: true }),
      null,
    ]) {
      expect(
        (await authorizeClick(grant, clicker, 'UREQ', { level: 'write', providers: grant.providers }, deps))
          .ok,
      ).toBe(false);
    }
  });
});
