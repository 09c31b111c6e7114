// Counts grant lifecycle audit events as metrics and forwards every event unchanged: wrapping the sink once
// at start-up means no call site changes, and a metric can never disagree with the audit trail.
import type { AuditEvent, AuditSink } from '../audit/audit-log.js';
import { accessRequests, decisionSeconds, decisions, grantEvents } from './metrics.js';

/** The grant fields that time a decision. The audit event does not carry them, so they are read back. */
export interface DecisionTimes {
  createdAt: number;
  approvedAt: number | null;
  endedAt: number | null;
}

export type GrantTimesLookup = (grantId: string) => Promise<DecisionTimes | null>;

const label = (value: string | undefined, fallback: string) =>
  value && /^[a-z_]{1,32}$/.test(value) ? value : fallback;

export class MetricsAuditSink implements AuditSink {
  constructor(
    private readonly inner: AuditSink,
    /** Reads a grant's timestamps for the time-to-decision histogram; omitted, that histogram stays empty. */
    private readonly lookup?: GrantTimesLookup,
    private readonly now: () => number = Date.now,
  ) {}

  record(event: AuditEvent): void {
    this.inner.record(event);
    try {
      this.count(event);
    } catch {
      // A metric must never cost an audit record or the request it describes.
    }
  }

  async recordOnce(event: AuditEvent, once: { key: string; keepMs: number }): Promise<boolean> {
    if (!this.inner.recordOnce) {
      this.record(event);
      return true;
    }
    const added = await this.inner.recordOnce(event, once);
    if (added) {
      try {
        this.count(event);
      } catch {
        // As in record().
      }
    }
    return added;
  }

  private count(event: AuditEvent): void {
    if (!event.type.startsWith('grant.')) return;
    const name = event.type.slice('grant.'.length);
    grantEvents.inc({ event: name });
    switch (name) {
      case 'requested':
        // A per-call request carries the call it would allow; a session request does not.
        accessRequests.inc({
          kind: (event.kind ?? (event.upstream ? 'request' : 'broad')) === 'request' ? 'call' : 'session',
        });
        return;
      case 'approved':
      case 'denied':
        decisions.inc({ outcome: name, via: label(event.actor?.via, 'unknown') });
        this.timeDecision(name, event.grantId);
        return;
      case 'expired':
        decisions.inc({ outcome: 'expired', via: 'clock' });
        return;
    }
  }

  private timeDecision(outcome: 'approved' | 'denied', grantId: string | undefined): void {
    if (!this.lookup || !grantId) return;
    this.lookup(grantId)
      .then((grant) => {
        if (!grant) return;
        const decidedAt = (outcome === 'approved' ? grant.approvedAt : grant.endedAt) ?? this.now();
        decisionSeconds.observe({ outcome }, Math.max(0, decidedAt - grant.createdAt) / 1000);
      })
      .catch(() => undefined);
  }
}
