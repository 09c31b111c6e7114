// The stored form of a grant leaves out what it can tell from the rest, and reads back exactly the grant it was
// given; records stored in earlier forms read as they were.
import { describe, expect, it } from 'vitest';
import { decodeGrant, encodeGrant } from '../../../src/grants/store-codec.js';
import type { Actor, Grant } from '../../../src/grants/types.js';
import { pendingBroad } from '../slack/grant-factory.js';
import { gate, policyOf } from './policy-records.js';

const roundTrip = (grant: Grant) => decodeGrant(encodeGrant(grant), String(grant.uses));

describe('the stored grant', () => {
  it('leaves out what was asked for while it is what was granted, and reads it back', () => {
    const grant = { ...pendingBroad(), policy: policyOf([gate('linear'), gate('notion')]) };
    const raw = encodeGrant(grant);
    expect(raw).not.toMatch(/requested(Level|Providers|DurationMs)/);
    expect(decodeGrant(raw, String(grant.uses))).toEqual(grant);
  });

  it('keeps what was asked for once an approver narrowed it', () => {
    const grant = {
      ...pendingBroad(),
      providers: ['linear'],
      level: 'read' as const,
      durationMs: 60_000,
      requestedProviders: ['linear', 'notion'],
      requestedLevel: 'write' as const,
      requestedDurationMs: 3_600_000,
    };
    expect(roundTrip(grant)).toEqual(grant);
  });

  it('reads a record stored before the compaction (requested fields and the full policy record in it)', () => {
    const grant = { ...pendingBroad(), policy: policyOf([gate('linear'), gate('notion')]) };
    const { uses: _uses, ...full } = grant;
    expect(decodeGrant(JSON.stringify(full), String(grant.uses))).toEqual(grant);
  });
});

describe('the stored history', () => {
  const ownersAssistant = (grant: Grant, name?: string): Actor => ({
    type: 'assistant',
    id: grant.owner.userId,
    email: grant.owner.userEmail,
    ...(name ? { name } : {}),
    via: 'mcp',
  });

  it('stores the owner’s assistant as a key, named by the client or not, and reads it back', () => {
    const base = pendingBroad({ clientName: 'claude-code' });
    const grant: Grant = {
      ...base,
      history: [
        { status: 'pending', at: 1, by: ownersAssistant(base, 'claude-code') },
        { status: 'released', at: 2, by: ownersAssistant(base), note: 'done' },
      ],
    };
    const raw = encodeGrant(grant);
    expect(raw).not.toContain('"type":"assistant"');
    expect(roundTrip(grant)).toEqual(grant);
  });

  it('stores anyone else in full: another person, another name, the same fields in another order', () => {
    const base = pendingBroad({ clientName: 'claude-code' });
    const { type, id, email, via } = ownersAssistant(base);
    const grant: Grant = {
      ...base,
      history: [
        { status: 'pending', at: 1, by: ownersAssistant(base, 'cursor') },
        { status: 'pending', at: 2, by: { ...ownersAssistant(base), id: 'user_other' } },
        { status: 'pending', at: 3, by: { via, type, id, email } },
        { status: 'approved', at: 4, by: { type: 'user', id: 'U0BOB', email: 'bob@x.io', via: 'slack' } },
      ],
    };
    const stored = JSON.parse(encodeGrant(grant)) as { history: Array<{ by: unknown }> };
    expect(stored.history.map((entry) => typeof entry.by)).toEqual(['object', 'object', 'object', 'object']);
    expect(roundTrip(grant)).toEqual(grant);
    expect(Object.keys(roundTrip(grant).history[2]!.by)).toEqual(['via', 'type', 'id', 'email']);
  });

  it('keeps the history’s length (the Lua scripts compare it as the record’s version)', () => {
    const base = pendingBroad();
    const stored = JSON.parse(encodeGrant(base)) as { history: unknown[] };
    expect(stored.history).toHaveLength(base.history.length);
  });
});
