// Parses the Redis Cluster settings (seed nodes with credentials, NAT map) from their environment text.

export interface HostPort {
  host: string;
  port: number;
}

export interface ClusterSettings {
  /** Seeds: any reachable nodes; the client discovers the rest (and follows the slot map). */
  nodes: HostPort[];
  username: string | undefined;
  password: string | undefined;
  /** rediss:// seeds: TLS to every node, discovered ones included. */
  tls: boolean;
  /**
   * Announced `host:port` → address we can reach it at, for clusters that announce private addresses
   * (a managed service behind NAT, Docker port publishing). Empty = use what the nodes announce.
   */
  natMap: Record<string, HostPort>;
}

/** Where our Redis is: one node (`url`), or a cluster when `cluster` is set (then `url` is unused). */
export interface RedisSettings {
  url: string;
  prefix: string;
  /** Absent or null = single node. */
  cluster?: ClusterSettings | null;
}

type Parsed<T> = { value: T; problems: string[] };

/**
 * `REDIS_CLUSTER_NODES`: comma-separated seeds, each `host:port` or a `redis://` / `rediss://` URL. A URL seed
 * carries the username, password and TLS for every node (`rediss://user:secret@10.0.0.1:6379,10.0.0.2:6379`);
 * URL seeds that disagree on them are refused.
 */
export function parseClusterNodes(text: string): Parsed<Omit<ClusterSettings, 'natMap'>> {
  const problems: string[] = [];
  const nodes: HostPort[] = [];
  const auth = new Set<string>();
  let username: string | undefined;
  let password: string | undefined;
  let tls = false;
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (/^rediss?:\/\//.test(entry)) {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        problems.push(`not a valid URL: ${redacted(entry)}`);
        continue;
      }
      const node = hostPort(`${url.hostname}:${url.port || '6379'}`);
      if (!node) {
        problems.push(`expected host:port in ${redacted(entry)}`);
        continue;
      }
      nodes.push(node);
      username = decodeURIComponent(url.username) || undefined;
      password = decodeURIComponent(url.password) || undefined;
      tls = url.protocol === 'rediss:';
      auth.add(`${url.protocol}${url.username}:${url.password}`);
      continue;
    }
    const node = hostPort(entry);
    if (node) nodes.push(node);
    else problems.push(`expected host:port or a redis:// URL, got "${entry}"`);
  }
  if (auth.size > 1) problems.push('URL seeds disagree on scheme, username or password');
  if (nodes.length === 0 && problems.length === 0) problems.push('no seed nodes given');
  return { value: { nodes, username, password, tls }, problems };
}

/**
 * `REDIS_CLUSTER_NAT_MAP`: comma-separated `announced=reachable` pairs of `host:port`, e.g.
 * `10.0.1.5:6379=redis-a.example.com:16379,10.0.1.6:6379=redis-b.example.com:16379`.
 */
export function parseNatMap(text: string): Parsed<Record<string, HostPort>> {
  const problems: string[] = [];
  const map: Record<string, HostPort> = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [from, to, ...rest] = pair.split('=').map((s) => s.trim());
    const announced = from ? hostPort(from) : null;
    const reachable = to ? hostPort(to) : null;
    if (!announced || !reachable || rest.length > 0) {
      problems.push(`expected announced-host:port=reachable-host:port, got "${pair}"`);
      continue;
    }
    map[`${announced.host}:${announced.port}`] = reachable;
  }
  return { value: map, problems };
}

/** `host:port`, `[v6]:port`; null when malformed. */
export function hostPort(text: string): HostPort | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/.exec(text);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Where we connect, for messages and logs: never the password. */
export function describeRedis(settings: RedisSettings): string {
  if (!settings.cluster) return redacted(settings.url);
  const scheme = settings.cluster.tls ? 'rediss' : 'redis';
  return `cluster ${settings.cluster.nodes.map((n) => `${scheme}://${n.host}:${n.port}`).join(',')}`;
}

function redacted(url: string): string {
  // The username stays (it helps tell connections apart); the password never shows.
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, (_all, user: string) => `//${user}:***@`);
}
