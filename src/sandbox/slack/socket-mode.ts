// Socket Mode: WebSocket links at /link/?ticket=…, hello frames, envelopes out, acks back, disconnect frames.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

export type EnvelopeType = 'interactive' | 'slash_commands' | 'events_api';

export type SocketDelivery = { ack: unknown; ackMs: number } | { error: string; ackMs: number };

const TICKET_TTL_MS = 60_000;

export class SocketModeHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  // Newest last: deliveries go to the most recent link, as an app that just reconnected expects.
  private readonly sockets: WebSocket[] = [];
  private readonly pending = new Map<string, (payload: unknown) => void>();
  private readonly events = new EventEmitter();
  /** Every frame an app sent, parsed, for assertions on acks. */
  readonly received: unknown[] = [];

  constructor(
    private readonly appId: string,
    private readonly wsBase: () => string,
  ) {
    this.events.setMaxListeners(0);
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const ticket = url.searchParams.get('ticket') ?? '';
      const expires = this.tickets.get(ticket);
      this.tickets.delete(ticket);
      if (!/^\/link\/?$/.test(url.pathname) || expires === undefined || expires < Date.now()) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
  }

  /** A one-time link URL, as apps.connections.open returns it. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.set(ticket, Date.now() + TICKET_TTL_MS);
    return `${this.wsBase()}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  get connections(): number {
    return this.sockets.length;
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    ws.on('close', () => {
      const index = this.sockets.indexOf(ws);
      if (index >= 0) this.sockets.splice(index, 1);
      this.events.emit('change');
    });
    ws.on('error', () => ws.terminate());
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: 'applink-sandbox', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.events.emit('change');
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    this.received.push(frame);
    const id = (frame as { envelope_id?: unknown })?.envelope_id;
    if (typeof id === 'string') this.pending.get(id)?.((frame as { payload?: unknown }).payload ?? {});
  }

  /** Resolves once at least `count` links are open (the hello has been sent on each). */
  waitForConnection(timeoutMs = 10_000, count = 1): Promise<void> {
    if (this.sockets.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('change', check);
        reject(new Error(`no Socket Mode connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (this.sockets.length < count) return;
        clearTimeout(timer);
        this.events.off('change', check);
        resolve();
      };
      this.events.on('change', check);
    });
  }

  /** Sends one envelope on the newest link and waits for its ack frame. */
  send(type: EnvelopeType, payload: unknown, timeoutMs: number): Promise<SocketDelivery> {
    const started = Date.now();
    const ws = this.sockets.at(-1);
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ error: 'no_socket_connection', ackMs: 0 });
    }
    const envelopeId = randomUUID();
    const envelope = {
      envelope_id: envelopeId,
      type,
      // Only slash commands (of the kinds sent here) can carry a response in the ack.
      accepts_response_payload: type === 'slash_commands',
      ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      payload,
    };
    return new Promise((resolve) => {
      const finish = (result: SocketDelivery) => {
        clearTimeout(timer);
        this.pending.delete(envelopeId);
        ws.off('close', onClose);
        resolve(result);
      };
      const timer = setTimeout(
        () => finish({ error: 'ack_timeout', ackMs: Date.now() - started }),
        timeoutMs,
      );
      const onClose = () => finish({ error: 'socket_closed', ackMs: Date.now() - started });
      ws.once('close', onClose);
      this.pending.set(envelopeId, (ack) => finish({ ack, ackMs: Date.now() - started }));
      ws.send(JSON.stringify(envelope));
    });
  }

  /** Sends Slack's `disconnect` frame to every link; the client closes and reconnects (about 5 s later). */
  disconnect(reason: string): void {
    const frame = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sandbox' } });
    for (const ws of this.sockets) ws.send(frame);
  }

  async close(): Promise<void> {
    // Finish close handshakes a stopping client began (Bolt's stop() resolves before them): cutting the TCP
    // connection mid-handshake makes the client log a WebSocket error.
    await Promise.all(
      [...this.sockets].map(
        (ws) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 1_000);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'stand-in closing');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
