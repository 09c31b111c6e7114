// Slack identities: users by email and by id, user-group members; cached in Redis, since policy is checked on every click.
import type { WebClient } from '@slack/web-api';
import type { RedisClient as Redis } from '../redis/connections.js';
import { SharedCache } from './directory-cache.js';

export interface SlackUser {
  id: string;
  email: string | null;
  name: string;
  /** The name people @-mention them by (profile display name, else full name); absent in older cache entries. */
  displayName?: string;
  teamId: string | null;
  deleted: boolean;
  isBot: boolean;
}

/** A conversation as named to people: `access-approvals` for #access-approvals; DMs have no name. */
export interface SlackConversation {
  id: string;
  name: string | null;
  isIm: boolean;
}

export interface DirectoryOptions {
  /** How long a found user stays fresh (default 10 min). */
  ttlMs?: number;
  /** How long "no such user" is remembered (default 1 min), so a new hire is found soon. */
  missTtlMs?: number;
  /** User-group membership is live policy: fresh briefly (default 30 s). */
  groupTtlMs?: number;
  /**
   * Shared by every instance (keys under `prefix`), so deciding a click needs no Slack round trip on the
   * common path; answers are kept for `staleForMs` (default 24 h) and served when Slack errors.
   */
  redis?: Redis | null;
  /** Our Redis prefix, e.g. `cs:`; entries live under `<prefix>slack:dir:`. */
  prefix?: string;
  staleForMs?: number;
  onRedisError?: (error: unknown) => void;
  /** Slack failed and an old answer was used instead (`key` is e.g. `user:U123`). */
  onStale?: (key: string, ageMs: number, error: unknown) => void;
  now?: () => number;
}

export class SlackDirectory {
  private readonly cache: SharedCache;
  private readonly userFresh: (value: unknown) => number;
  private readonly groupFresh: () => number;

  constructor(
    private readonly client: WebClient,
    options: DirectoryOptions = {},
  ) {
    const ttlMs = options.ttlMs ?? 600_000;
    const missTtlMs = options.missTtlMs ?? 60_000;
    const groupTtlMs = options.groupTtlMs ?? 30_000;
    this.userFresh = (value) => (value === null ? missTtlMs : ttlMs);
    this.groupFresh = () => groupTtlMs;
    this.cache = new SharedCache({
      redis: options.redis,
      prefix: `${options.prefix ?? ''}slack:dir:`,
      staleForMs: options.staleForMs,
      now: options.now,
      onRedisError: options.onRedisError,
      onStale: options.onStale,
    });
  }

  /** The Slack user id for an email, or null when the person has no (active) Slack account. */
  async userIdByEmail(email: string): Promise<string | null> {
    return this.cache.get(`email:${email.toLowerCase()}`, this.userFresh, async () => {
      try {
        const found = await this.client.users.lookupByEmail({ email });
        const user = found.user;
        return user?.id && !user.deleted ? user.id : null;
      } catch (error) {
        if (platformError(error) === 'users_not_found') return null;
        throw error;
      }
    });
  }

  async user(id: string): Promise<SlackUser | null> {
    return this.cache.get(`user:${id}`, this.userFresh, async (): Promise<SlackUser | null> => {
      try {
        const { user } = await this.client.users.info({ user: id });
        if (!user?.id) return null;
        return {
          id: user.id,
          email: user.profile?.email?.toLowerCase() ?? null,
          name: user.real_name || user.name || user.id,
          displayName: user.profile?.display_name || user.real_name || user.name || user.id,
          teamId: user.team_id ?? null,
          deleted: user.deleted === true,
          isBot: user.is_bot === true,
        };
      } catch (error) {
        if (platformError(error) === 'user_not_found') return null;
        throw error;
      }
    });
  }

  /** A channel's name (conversations.info), or null when the bot cannot see it; names change rarely. */
  async channel(id: string): Promise<SlackConversation | null> {
    return this.cache.get(`channel:${id}`, this.userFresh, async (): Promise<SlackConversation | null> => {
      try {
        const { channel } = await this.client.conversations.info({ channel: id });
        if (!channel?.id) return null;
        return { id: channel.id, name: channel.name ?? null, isIm: channel.is_im === true };
      } catch (error) {
        if (platformError(error) === 'channel_not_found') return null;
        throw error;
      }
    });
  }

  /**
   * A user group's @handle (`data-team`), or null for no such group. Slack has no per-group lookup: one
   * usergroups.list answers for every group, cached as one entry.
   */
  async groupHandle(groupId: string): Promise<string | null> {
    const handles = await this.cache.get('group-handles', this.userFresh, async () => {
      const { usergroups } = await this.client.usergroups.list({});
      return Object.fromEntries(
        (usergroups ?? []).flatMap((g) => (g.id && g.handle ? [[g.id, g.handle]] : [])),
      ) as Record<string, string>;
    });
    return handles[groupId] ?? null;
  }

  async groupMembers(groupId: string): Promise<string[]> {
    return this.cache.get(`group:${groupId}`, this.groupFresh, async () => {
      const { users } = await this.client.usergroups.users.list({ usergroup: groupId });
      return users ?? [];
    });
  }
}

/** The `error` of a Slack `{ok:false}` answer, if that is what was thrown. */
export function platformError(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: string } };
  return e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
}
