// Slack identities: users by email and by id, user-group members; cached, since policy is checked on every click.
import type { WebClient } from '@slack/web-api';

export interface SlackUser {
  id: string;
  email: string | null;
  name: string;
  teamId: string | null;
  deleted: boolean;
  isBot: boolean;
}

interface Entry<T> {
  value: T;
  until: number;
}

export interface DirectoryOptions {
  /** How long a found user stays cached (default 10 min). */
  ttlMs?: number;
  /** How long "no such user" is remembered (default 1 min), so a new hire is found soon. */
  missTtlMs?: number;
  /** User-group membership is live policy: cached briefly (default 30 s). */
  groupTtlMs?: number;
  now?: () => number;
}

export class SlackDirectory {
  private readonly byEmail = new Map<string, Entry<string | null>>();
  private readonly byId = new Map<string, Entry<SlackUser | null>>();
  private readonly groups = new Map<string, Entry<string[]>>();
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly groupTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: WebClient,
    options: DirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 600_000;
    this.missTtlMs = options.missTtlMs ?? 60_000;
    this.groupTtlMs = options.groupTtlMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** The Slack user id for an email, or null when the person has no (active) Slack account. */
  async userIdByEmail(email: string): Promise<string | null> {
    const key = email.toLowerCase();
    return this.cached(this.byEmail, key, async () => {
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
    return this.cached(this.byId, id, async () => {
      try {
        const { user } = await this.client.users.info({ user: id });
        if (!user?.id) return null;
        return {
          id: user.id,
          email: user.profile?.email?.toLowerCase() ?? null,
          name: user.real_name || user.name || user.id,
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

  async groupMembers(groupId: string): Promise<string[]> {
    const hit = this.groups.get(groupId);
    if (hit && hit.until > this.now()) return hit.value;
    const { users } = await this.client.usergroups.users.list({ usergroup: groupId });
    const value = users ?? [];
    this.groups.set(groupId, { value, until: this.now() + this.groupTtlMs });
    return value;
  }

  private async cached<T>(map: Map<string, Entry<T | null>>, key: string, load: () => Promise<T | null>) {
    const hit = map.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const value = await load();
    map.set(key, { value, until: this.now() + (value === null ? this.missTtlMs : this.ttlMs) });
    return value;
  }
}

/** The `error` of a Slack `{ok:false}` answer, if that is what was thrown. */
export function platformError(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: string } };
  return e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
}
