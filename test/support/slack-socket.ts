import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SlackApiStandIn } from './slack-api.js';

/** What the bot sent back for an envelope: its ack, with the ack's body as `payload` if any. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * Slack's side of Socket Mode: `apps.connections.open` (on the Web API stand-in) answers with this
 * server's ws:// URL; a connecting client gets `hello`, then the envelopes a test sends, and each
 * envelope waits for the client's ack.
 */
export class SocketModeStandIn {
  private server: WebSocketServer | undefined;
  private socket: WebSocket | undefined;
  private readonly acks = new Map<string, (ack: SocketAck) => void>();
  private removeResponder: (() => void) | undefined;
  private next = 1;
  /** How many times a client opened a connection. */
  connections = 0;

  constructor(private readonly api: SlackApiStandIn) {}

  async start(): Promise<this> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    this.removeResponder = this.api.respond((call) =>
      call.method === 'apps.connections.open' ? { body: { ok: true, url } } : undefined,
    );
    server.on('connection', (socket) => {
      this.connections++;
      this.socket = socket;
      socket.on('message', (data) => {
        const ack = JSON.parse(String(data)) as SocketAck;
        this.acks.get(ack.envelope_id)?.(ack);
        this.acks.delete(ack.envelope_id);
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'stand-in', approximate_connection_time: 18_060 },
          connection_info: { app_id: 'A0TEST' },
        }),
      );
    });
    return this;
  }

  /** Resolves once a client is connected and greeted. */
  async connected(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.socket) {
      if (Date.now() > deadline) throw new Error('no Socket Mode client connected');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Delivers one envelope and resolves with the client's ack. */
  send(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Record<string, unknown>,
    timeoutMs = 3_000,
  ): Promise<SocketAck> {
    const socket = this.socket;
    if (!socket) throw new Error('no Socket Mode client connected');
    const envelopeId = `env-${this.next++}`;
    return new Promise((resolve, reject) => {
      // Slack shows the user an error when the ack misses its 3 s; so does this.
      const timer = setTimeout(() => reject(new Error(`${type} ${envelopeId} not acked in time`)), timeoutMs);
      this.acks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
        }),
      );
    });
  }

  async close(): Promise<void> {
    this.removeResponder?.();
    for (const client of this.server?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
