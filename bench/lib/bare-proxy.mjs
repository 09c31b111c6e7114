// The bare ceiling: the least a gateway must do per call (read the caller's grant from Redis, one upstream call
// over an undici Pool, answer with the upstream body), as plain Node. The bench runs it beside the server.
// Environment: PORT (0 = any), REDIS_URL, GRANT_KEY (a JSON `{"status":"approved","token":"…"}`), UPSTREAM
// (origin). Prints `bare proxy listening on http://127.0.0.1:<port>` once ready.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { Pool } from 'undici';

const redis = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true });
const upstream = new Pool(process.env.UPSTREAM, { connections: 64, keepAliveTimeout: 30_000 });
const grantKey = process.env.GRANT_KEY;

const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString();
    const raw = await redis.get(grantKey);
    const grant = raw ? JSON.parse(raw) : null;
    if (grant?.status !== 'approved') {
      res.writeHead(403).end('{"error":"no_access"}');
      return;
    }
    const answer = await upstream.request({
      path: req.url,
      method: 'POST',
      headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' },
      body,
    });
    const parsed = await answer.body.json();
    res.writeHead(answer.statusCode, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: answer.statusCode, body: parsed }));
  } catch (error) {
    res.writeHead(502).end(JSON.stringify({ error: String(error) }));
  }
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`bare proxy listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
