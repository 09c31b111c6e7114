// The grant and session store on Redis: every write one atomic Lua compare-and-set, every change published.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient as Redis } from '../redis/connections.js';
import { DecisionWaiter } from './decision-waiter.js';
import { type GrantKeys, grantKeys, type SessionRef } from './keys.js';
import { applyQuorumApproval, type Quorum } from './quorum.js';
import type {
  GrantStore,
  NewBroadGrant,
  NewRequestGrant,
  SessionRecord,
  TransitionFailure,
  TransitionResult,
  UseAuthorization,
  UseNeed,
} from './store-api.js';
import {
  decodeGrant,
  encodeGrant,
  pairsToHash,
  parseReply,
  type ScriptReply,
  sessionDefaults,
  toSession,
  unexpectedReply,
} from './store-codec.js';
import {
  applyApproval,
  applyCancel,
  applyConsume,
  applyDenial,
  applyExtension,
  applyFinish,
  applySupersede,
  grantVersion,
  isTransitionError,
  newBroadGrant,
  newRequestGrant,
  type TransitionError,
  withClock,
} from './transitions.js';
import type { Actor, ApprovalChoice, Grant, GrantStatus, GrantUsage, SessionIdentity } from './types.js';
import { UseLedger } from './use-ledger.js';

export interface RedisGrantStoreOptions {
  /** Prefix of every key and of the events channel, e.g. 'cs:' (no braces). */
  prefix: string;
  /** How long a grant stays readable after its last transition (key PX, refreshed on each transition). */
  retentionMs: number;
  /** Session hash TTL, refreshed whenever the session is touched or written. */
  sessionTtlMs: number;
  /** How long a pending grant waits for a decision before it reads as expired. */
  decisionWindowMs: number;
  /** Longest access an approver may grant. */
  maxAccessMs: number;
  /** How long an approved per-request grant stays usable (approver may change it); default maxAccessMs. */
  requestAccessMs?: number;
  /** Clock; default Date.now. */
  now?: () => number;
  /** Connection for pub/sub; default a lazy `redis.duplicate()`, quit by close(). A given one is only unsubscribed. */
  subscriber?: Redis;
}

/** One script per atomic operation, loaded once per process and registered on each connection used. */
const SCRIPTS = {
  countersignTransition: { file: 'transition.lua', keys: 2 },
  countersignConsume: { file: 'consume.lua', keys: 1 },
  countersignCreateBroad: { file: 'create-broad.lua', keys: 3 },
  countersignApproveBroad: { file: 'approve-broad.lua', keys: 3 },
  countersignTouchSession: { file: 'touch-session.lua', keys: 1 },
} as const;
type ScriptName = keyof typeof SCRIPTS;
const LUA = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, s]) => [
    name,
    readFileSync(new URL(`./scripts/${s.file}`, import.meta.url), 'utf8'),
  ]),
) as Record<ScriptName, string>;

const NOT_FOUND = { ok: false, code: 'not_found' } as const satisfies TransitionFailure;
const FORBIDDEN = { ok: false, code: 'forbidden' } as const satisfies TransitionFailure;
const NO_ACCESS = { ok: false, code: 'no_access' } as const satisfies UseAuthorization;
const RETRY = Symbol('retry');
/** Bounds the optimistic loops; each retry means another writer made progress, so this is never hit in practice. */
const MAX_ATTEMPTS = 10;

export class RedisGrantStore implements GrantStore {
  private readonly keys: GrantKeys;
  private readonly now: () => number;
  private readonly waiter: DecisionWaiter;
  private readonly ledger: UseLedger;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisGrantStoreOptions,
  ) {
    this.keys = grantKeys(options.prefix);
    this.now = options.now ?? Date.now;
    this.waiter = new DecisionWaiter(redis, {
      channel: this.keys.events,
      decisions: this.keys.decisions,
      read: (id) => this.load(id),
      // Just decided, so never used (no use count to read); were it already due for the clock, read it instead.
      decided: (stored) => {
        const grant = decodeGrant(stored, null);
        return withClock(grant, this.now()).transition ? null : grant;
      },
      now: this.now,
      subscriber: options.subscriber,
    });
    this.ledger = new UseLedger(redis, this.keys, options.retentionMs);
    const commands = redis as unknown as Record<string, unknown>;
    for (const [name, script] of Object.entries(SCRIPTS)) {
      if (typeof commands[name] !== 'function') {
        redis.defineCommand(name, { numberOfKeys: script.keys, lua: LUA[name as ScriptName] });
      }
    }
  }

  async touchSession(identity: SessionIdentity, clientName?: string | null): Promise<SessionRecord> {
    const { sid, organizationId, userId, userEmail } = identity;
    const reply = await this.run(
      'countersignTouchSession',
      [this.keys.session(identity)],
      [this.options.sessionTtlMs, sid, organizationId ?? '', userId, userEmail, this.now(), clientName ?? ''],
    );
    if (reply.code !== 'ok') throw unexpectedReply(reply);
    return toSession(pairsToHash(reply.fields), identity);
  }

  async setSessionClientField(
    identity: SessionRef,
    field: 'clientUrlElicitation' | 'elicitedGrantId',
    value: string,
  ): Promise<void> {
    // A field of the session hash (one key): its TTL stays the one touchSession set.
    await this.redis.hset(this.keys.session(identity), field, value);
  }

  async getSession(identity: SessionRef): Promise<SessionRecord | null> {
    const hash = await this.redis.hgetall(this.keys.session(identity));
    return Object.keys(hash).length > 0 ? toSession(hash, identity) : null;
  }

  async createBroad(input: NewBroadGrant): Promise<{ grant: Grant; superseded: Grant | null }> {
    const id = this.keys.newGrantId(input.owner, randomBytes(15));
    const sessionKey = this.keys.session(input.owner);
    const grantKey = this.keys.grant(id)!;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.now();
      const { decisionWindowMs, maxAccessMs } = this.options;
      const grant = newBroadGrant(input, { id, now, decisionWindowMs, maxAccessMs });
      const pendingId = (await this.redis.hget(sessionKey, 'pendingBroadId')) ?? '';
      const prev = pendingId ? await this.readSibling(pendingId, sessionKey) : null;
      // The previous request dies visibly (superseded), or as expired when its window had already closed.
      const prevNext =
        prev?.status === 'pending' ? retire(prev, (g) => applySupersede(g, id, { now }), now) : null;
      const reply = await this.run(
        'countersignCreateBroad',
        [sessionKey, grantKey, prevNext ? this.keys.grant(pendingId)! : grantKey],
        [
          pendingId,
          id,
          encodeGrant(grant),
          prevNext && prev ? grantVersion(prev) : '',
          prevNext ? encodeGrant(prevNext) : '',
          prevNext?.status ?? '',
          this.options.retentionMs,
          this.options.sessionTtlMs,
          this.keys.events,
          ...sessionDefaults(grant, now),
        ],
      );
      if (reply.code === 'ok') {
        return { grant, superseded: prevNext?.status === 'superseded' ? prevNext : null };
      }
      if (reply.code !== 'retry') throw unexpectedReply(reply);
    }
    throw new Error(`createBroad: gave up after ${MAX_ATTEMPTS} attempts under contention`);
  }

  async createRequest(input: NewRequestGrant): Promise<Grant> {
    const id = this.keys.newGrantId(input.owner, randomBytes(15));
    const durationMs = Math.min(
      this.options.requestAccessMs ?? this.options.maxAccessMs,
      input.policy?.maxDurationMs ?? Infinity,
    );
    const grant = newRequestGrant(input, {
      id,
      now: this.now(),
      decisionWindowMs: this.options.decisionWindowMs,
      durationMs,
    });
    const results = await this.redis
      .multi()
      .set(this.keys.grant(id)!, encodeGrant(grant), 'PX', this.options.retentionMs, 'NX')
      .publish(this.keys.events, `${id} pending`)
      .exec();
    if (results?.[0]?.[0] || results?.[0]?.[1] !== 'OK') {
      throw new Error(`createRequest: could not store grant ${id}`);
    }
    return grant;
  }

  get(id: string): Promise<Grant | null> {
    return this.load(id);
  }

  async activeBroad(identity: SessionRef & { userId: string }): Promise<Grant | null> {
    const sessionKey = this.keys.session(identity);
    const id = await this.redis.hget(sessionKey, 'activeBroadId');
    if (!id || this.keys.sessionOfGrant(id) !== sessionKey) return null;
    const grant = await this.load(id);
    // The session id alone is not the owner: another user's token naming the same sid gets nothing.
    return grant?.kind === 'broad' && grant.status === 'approved' && grant.owner.userId === identity.userId
      ? grant
      : null;
  }

  async authorizeUse(identity: SessionRef & { userId: string }, need: UseNeed): Promise<UseAuthorization> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const reply = await this.ledger.authorize(identity, need, this.now());
      if (reply.code === 'ok') return reply.grant;
      if (reply.code === 'refused') return reply.result;
      if (reply.code === 'none') return NO_ACCESS;
      // Its time ran out: persist 'ended' (activeBroad settles the clock); asked again only if it moved on
      // meanwhile (say, extended), which is when a grant is still there.
      if (!(await this.activeBroad(identity))) return NO_ACCESS;
    }
    throw new Error(`authorizeUse: gave up after ${MAX_ATTEMPTS} attempts under contention`);
  }

  recordOutcome(id: string, outcome: { status: number; at: number }): void {
    this.ledger.recordOutcome(id, outcome);
  }

  approve(id: string, by: Actor, choice: ApprovalChoice, quorum?: Quorum): Promise<TransitionResult> {
    return this.change(
      id,
      (grant, now) => {
        // The policy's maxDuration (recorded on the grant, or in force now) caps what an approver may grant.
        const cap = quorum?.policy.maxDurationMs ?? grant.policy?.maxDurationMs ?? Infinity;
        const ctx = { now, maxAccessMs: Math.min(this.options.maxAccessMs, cap) };
        return quorum
          ? applyQuorumApproval(grant, by, choice, quorum, ctx)
          : applyApproval(grant, by, choice, ctx);
      },
      (current, next, now) =>
        current.kind === 'broad' && next.status === 'approved'
          ? this.writeBroadApproval(current, next, by, now)
          : this.writeTransition(current, next),
    );
  }

  deny(id: string, by: Actor, reason: string | null): Promise<TransitionResult> {
    return this.change(id, (grant, now) => applyDenial(grant, by, reason, { now }));
  }

  cancel(id: string, by: Actor): Promise<TransitionResult> {
    return this.change(id, (grant, now) => applyCancel(grant, by, { now }));
  }

  finish(
    id: string,
    to: Extract<GrantStatus, 'ended' | 'revoked' | 'released'>,
    by: Actor,
    note?: string | null,
  ): Promise<TransitionResult> {
    return this.change(id, (grant, now) => applyFinish(grant, to, by, note, { now }));
  }

  extend(id: string, by: Actor, untilMs: number): Promise<TransitionResult> {
    return this.change(
      id,
      (grant, now) => applyExtension(grant, by, untilMs, { now, maxAccessMs: this.options.maxAccessMs }),
      // Still approved: the session keeps pointing at it, and the event carries the version so the new end
      // gets its own refresh (a second extension too).
      (current, next) => this.writeTransition(current, next, { keepPointer: true }),
    );
  }

  consume(id: string, owner: SessionIdentity, by: Actor): Promise<TransitionResult> {
    return this.change(
      id,
      (grant, now) => (sameOwner(grant, owner) ? applyConsume(grant, by, { now }) : FORBIDDEN),
      (current, next, now) =>
        this.run(
          'countersignConsume',
          [this.keys.grant(id)!],
          [
            owner.sid,
            owner.organizationId ?? '',
            owner.userId,
            grantVersion(current),
            encodeGrant(next),
            now,
            this.options.retentionMs,
            this.keys.events,
            id,
          ],
        ),
    );
  }

  async recordUse(id: string, outcome?: { status: number; at: number }): Promise<void> {
    const key = this.keys.uses(id);
    const usageKey = this.keys.usage(id);
    if (!key || !usageKey) return;
    const tx = this.redis.multi().incr(key).pexpire(key, this.options.retentionMs);
    if (outcome) {
      tx.hincrby(usageKey, `${Math.floor(outcome.status / 100)}xx`, 1)
        .hset(usageKey, 'last', String(outcome.at))
        .pexpire(usageKey, this.options.retentionMs);
    }
    await tx.exec();
  }

  async usage(id: string): Promise<GrantUsage> {
    const key = this.keys.uses(id);
    const usageKey = this.keys.usage(id);
    if (!key || !usageKey) return { calls: 0, byClass: {}, lastAt: null };
    const [calls, fields] = await Promise.all([this.redis.get(key), this.redis.hgetall(usageKey)]);
    const { last, ...byClass } = fields;
    return {
      calls: Number(calls ?? 0),
      byClass: Object.fromEntries(Object.entries(byClass).map(([name, n]) => [name, Number(n)])),
      lastAt: last ? Number(last) : null,
    };
  }

  waitForDecision(
    id: string,
    timeoutMs: number,
    signal?: AbortSignal,
    onWake?: (byEvent: boolean) => void,
  ): Promise<Grant | null> {
    if (!this.keys.grant(id)) return Promise.resolve(null);
    return this.waiter.wait(id, timeoutMs, signal, onWake);
  }

  /** Writes pending outcomes, wakes every waiter with the current record and drops the events subscription. Does not quit `redis`. */
  async close(): Promise<void> {
    await this.ledger.flush().catch(() => undefined);
    await this.waiter.close();
  }

  /** Read → compute in TypeScript → compare-and-set in Lua; retried only when the session moved under us. */
  private async change(
    id: string,
    compute: (current: Grant, now: number) => Grant | TransitionError | TransitionFailure,
    write: (current: Grant, next: Grant, now: number) => Promise<ScriptReply> = (c, n) =>
      this.writeTransition(c, n),
  ): Promise<TransitionResult> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.load(id);
      if (!current) return NOT_FOUND;
      const now = this.now();
      const next = compute(current, now);
      if ('ok' in next) return next;
      if (isTransitionError(next)) {
        return next.code === 'invalid'
          ? { ok: false, code: 'invalid', grant: current, message: next.error }
          : { ok: false, code: 'conflict', grant: current };
      }
      const result = await this.outcome(await write(current, next, now), current, next);
      if (result !== RETRY) return result;
    }
    throw new Error(`grant ${id}: gave up after ${MAX_ATTEMPTS} attempts under contention`);
  }

  /** The one place script replies become typed results. */
  private async outcome(
    reply: ScriptReply,
    previous: Grant,
    next: Grant,
  ): Promise<TransitionResult | typeof RETRY> {
    switch (reply.code) {
      case 'ok':
        return { ok: true, grant: next, previous };
      case 'conflict': {
        const uses = await this.redis.get(this.keys.uses(previous.id)!);
        return {
          ok: false,
          code: 'conflict',
          grant: await this.settleClock(decodeGrant(reply.current, uses)),
        };
      }
      case 'missing':
        return NOT_FOUND;
      case 'forbidden':
        return FORBIDDEN;
      case 'retry':
        return RETRY;
    }
  }

  private writeTransition(
    current: Grant,
    next: Grant,
    options: { keepPointer?: boolean } = {},
  ): Promise<ScriptReply> {
    // A broad grant leaving pending (or approved) must not stay the session's pending (or active) one.
    const pointer =
      current.kind !== 'broad' || options.keepPointer
        ? ''
        : current.status === 'pending'
          ? 'pendingBroadId'
          : 'activeBroadId';
    const event = next.status === current.status ? `${next.status} ${grantVersion(next)}` : next.status;
    return this.run(
      'countersignTransition',
      [this.keys.grant(current.id)!, this.keys.sessionOfGrant(current.id)!],
      [
        current.status,
        grantVersion(current),
        encodeGrant(next),
        this.options.retentionMs,
        this.keys.events,
        current.id,
        event,
        pointer,
        this.keys.decisions,
      ],
    );
  }

  private async writeBroadApproval(
    current: Grant,
    next: Grant,
    by: Actor,
    now: number,
  ): Promise<ScriptReply> {
    const grantKey = this.keys.grant(current.id)!;
    const sessionKey = this.keys.sessionOfGrant(current.id)!;
    const activeId = (await this.redis.hget(sessionKey, 'activeBroadId')) ?? '';
    const prev = activeId && activeId !== current.id ? await this.readSibling(activeId, sessionKey) : null;
    const replaced = `replaced by ${current.id}`;
    const prevNext =
      prev?.status === 'approved'
        ? retire(prev, (g) => applyFinish(g, 'ended', by, replaced, { now, supersededBy: current.id }), now)
        : null;
    return this.run(
      'countersignApproveBroad',
      [grantKey, sessionKey, prevNext ? this.keys.grant(activeId)! : grantKey],
      [
        grantVersion(current),
        current.id,
        encodeGrant(next),
        activeId,
        prevNext && prev ? grantVersion(prev) : '',
        prevNext ? encodeGrant(prevNext) : '',
        this.options.retentionMs,
        this.options.sessionTtlMs,
        this.keys.events,
        this.keys.decisions,
        ...sessionDefaults(current, now),
      ],
    );
  }

  /** The stored record with the clock applied; a clock transition is persisted by CAS so all readers agree. */
  private async load(id: string): Promise<Grant | null> {
    const grant = await this.read(id);
    return grant ? this.settleClock(grant) : null;
  }

  private async read(id: string): Promise<Grant | null> {
    const key = this.keys.grant(id);
    const usesKey = this.keys.uses(id);
    if (!key || !usesKey) return null;
    const [raw, uses] = await this.redis.mget(key, usesKey);
    return raw ? decodeGrant(raw, uses ?? null) : null;
  }

  /** A grant a session pointer names; ignored unless it carries the same hash tag (never a cross-slot key). */
  private readSibling(id: string, sessionKey: string): Promise<Grant | null> {
    return this.keys.sessionOfGrant(id) === sessionKey ? this.read(id) : Promise.resolve(null);
  }

  private async settleClock(grant: Grant): Promise<Grant> {
    let current = grant;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { grant: next, transition } = withClock(current, this.now());
      if (!transition) return current;
      const reply = await this.writeTransition(current, next);
      if (reply.code !== 'conflict') return next;
      current = decodeGrant(reply.current, String(current.uses));
    }
    return withClock(current, this.now()).grant;
  }

  private async run(name: ScriptName, keys: string[], args: Array<string | number>): Promise<ScriptReply> {
    const command = (this.redis as unknown as Record<ScriptName, (...a: string[]) => Promise<unknown>>)[name];
    return parseReply(await command.call(this.redis, ...keys, ...args.map(String)));
  }
}

/** The change that retires `grant` now: the clock's own (expired / ended) if it is due, else `change`. */
function retire(grant: Grant, change: (g: Grant) => Grant | TransitionError, now: number): Grant | null {
  const clocked = withClock(grant, now);
  const next = clocked.transition ? clocked.grant : change(grant);
  return isTransitionError(next) ? null : next;
}

function sameOwner(grant: Grant, owner: SessionIdentity): boolean {
  return (
    grant.owner.sid === owner.sid &&
    (grant.owner.organizationId ?? null) === (owner.organizationId ?? null) &&
    grant.owner.userId === owner.userId
  );
}
