import { describe, expect, it } from 'vitest';
import { type ConfigError, redisConfig } from '../../../src/config.js';
import { describeRedis, parseClusterNodes, parseNatMap } from '../../../src/redis/settings.js';

describe('REDIS_CLUSTER_NODES', () => {
  it('takes host:port seeds, IPv6 in brackets', () => {
    const { value, problems } = parseClusterNodes(' 10.0.0.1:7000, redis-b:7001 ,[::1]:7002');
    expect(problems).toEqual([]);
    expect(value.nodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(value).toMatchObject({ tls: false, username: undefined, password: undefined });
  });

  it('reads username, password and TLS from a URL seed, for every node', () => {
    const { value, problems } = parseClusterNodes(
      'rediss://app:s%40cret@a.example.com:6380,b.example.com:6380',
    );
    expect(problems).toEqual([]);
    expect(value).toMatchObject({ tls: true, username: 'app', password: 's@cret' });
    expect(value.nodes.map((n) => n.host)).toEqual(['a.example.com', 'b.example.com']);
  });

  it('refuses malformed seeds and URL seeds that disagree, without echoing a password', () => {
    expect(parseClusterNodes('a:1,b').problems).toEqual(['expected host:port or a redis:// URL, got "b"']);
    expect(parseClusterNodes('a:70000').problems).toHaveLength(1);
    const disagree = parseClusterNodes('redis://:one@a:1,rediss://:two@b:2').problems;
    expect(disagree).toEqual(['URL seeds disagree on scheme, username or password']);
    expect(parseClusterNodes(' , ').problems).toEqual(['no seed nodes given']);
  });
});

describe('REDIS_CLUSTER_NAT_MAP', () => {
  it('maps announced addresses to reachable ones', () => {
    const { value, problems } = parseNatMap(
      '10.0.1.5:6379=redis-a.example.com:16379, 10.0.1.6:6379=127.0.0.1:7002',
    );
    expect(problems).toEqual([]);
    expect(value).toEqual({
      '10.0.1.5:6379': { host: 'redis-a.example.com', port: 16379 },
      '10.0.1.6:6379': { host: '127.0.0.1', port: 7002 },
    });
    expect(parseNatMap('10.0.1.5:6379').problems).toHaveLength(1);
  });
});

describe('redisConfig', () => {
  it('keeps a single node when no cluster is given', () => {
    expect(redisConfig({ REDIS_URL: 'redis://r:6380' })).toEqual({
      url: 'redis://r:6380',
      prefix: 'cs:',
      cluster: null,
    });
  });

  it('selects cluster mode with REDIS_CLUSTER_NODES and reports every problem at once', () => {
    const settings = redisConfig({
      REDIS_CLUSTER_NODES: 'redis://:pw@10.0.0.1:7000,10.0.0.2:7000',
      REDIS_CLUSTER_NAT_MAP: '10.0.0.1:7000=127.0.0.1:17000',
    });
    expect(settings.cluster).toMatchObject({ password: 'pw', natMap: { '10.0.0.1:7000': { port: 17000 } } });
    expect(describeRedis(settings)).toBe('cluster redis://10.0.0.1:7000,redis://10.0.0.2:7000');
    expect(describeRedis({ url: 'rediss://app:pw@r:6380/1', prefix: 'cs:' })).toBe(
      'rediss://app:***@r:6380/1',
    );
    try {
      redisConfig({ REDIS_CLUSTER_NODES: 'nope', REDIS_CLUSTER_NAT_MAP: 'x' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
    expect(() => redisConfig({ REDIS_CLUSTER_NAT_MAP: 'a:1=b:2' })).toThrow(
      /only used with REDIS_CLUSTER_NODES/,
    );
  });
});
