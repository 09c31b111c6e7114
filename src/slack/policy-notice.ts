// Tells the admins (a DM each) and the audit channel that POLICY_FILE was refused, and later that a good file is
// in force again: once per refused version for the whole fleet (a once-mark in Redis), not once per instance.
import { createHash } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import type { RedisClient as Redis } from '../redis/connections.js';

/** A refused version already told is not told again for this long (the same mistake made again a day later is). */
const ONCE_SECONDS = 24 * 3600;
/** Slack's rate-limit waits are seconds; ten tries outlast any of them. */
const ATTEMPTS = 10;

export interface PolicyNoticeDeps {
  redis: Pick<Redis, 'set' | 'del'>;
  prefix: string;
  /** The admins' user ids (ADMINS users and group members). */
  admins(): Promise<string[]>;
  auditChannel: string | undefined;
  /** chat.postMessage to a channel id, or to a user id for the DM. */
  post(channel: string, text: string): Promise<void>;
  logger: Logger;
  /** Tries per target (default ATTEMPTS). */
  attempts?: number;
}

export class PolicyNotices {
  constructor(private readonly deps: PolicyNoticeDeps) {}

  /** `problems`: the refused file's errors, one `file:line: what` each; `inForce`: the version that stays. */
  refused(problems: string[], inForce: string | undefined): Promise<void> {
    const text = [
      ':warning: *POLICY_FILE was refused*: the last good policy' +
        `${inForce ? ` (version \`${inForce}\`)` : ''} stays in force.`,
      ...problems.map((p) => `• \`${p}\``),
      'Fix the file (check it with `npm run policy -- check`); it is read again when it changes or on SIGHUP.',
    ].join('\n');
    return this.tell(`${this.deps.prefix}policy:refused:${digestOf(problems)}`, text);
  }

  /** A good file is in force after `problems` were refused: said once for that refused version. */
  restored(problems: string[], version: string): Promise<void> {
    const text = `:white_check_mark: *POLICY_FILE is valid again*: policy version \`${version}\` is in force.`;
    return this.tell(`${this.deps.prefix}policy:restored:${digestOf(problems)}`, text);
  }

  private async tell(mark: string, text: string): Promise<void> {
    const { deps } = this;
    try {
      // The mark first: every instance sees the same file change at about the same moment.
      if ((await deps.redis.set(mark, '1', 'EX', ONCE_SECONDS, 'NX')) !== 'OK') return;
      const targets = [...(deps.auditChannel ? [deps.auditChannel] : []), ...(await deps.admins())];
      const sent = await Promise.all(targets.map((target) => this.send(target, text)));
      // Nobody got it: give the mark back so the next change (or another instance) may try again.
      if (targets.length > 0 && !sent.includes(true)) await deps.redis.del(mark);
    } catch (error) {
      deps.logger.warn({ err: error }, 'policy notice could not be sent');
    }
  }

  /** Retried for a while: Slack's shared Retry-After (RetryLater's delayMs) or a passing error. */
  private async send(target: string, text: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.post(target, text);
        return true;
      } catch (error) {
        if (attempt + 1 >= (this.deps.attempts ?? ATTEMPTS)) {
          this.deps.logger.warn({ err: error, target }, 'policy notice could not be sent');
          return false;
        }
        const asked = (error as { delayMs?: unknown }).delayMs;
        const delayMs = typeof asked === 'number' ? asked : Math.min(30_000, 1000 * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      }
    }
  }
}

/** The refused version's identity: its errors (the same errors mean the same notice). */
function digestOf(problems: string[]): string {
  return createHash('sha256').update(problems.join('\n')).digest('hex').slice(0, 24);
}
