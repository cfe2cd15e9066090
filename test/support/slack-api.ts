import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call the bot made, as the stand-in received it. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** The URL path called: for `response_url` calls, which interaction's URL was answered. */
  path?: string;
}

type Responder = (
  call: SlackCall,
) => { status?: number; headers?: Record<string, string>; body?: unknown } | undefined;

/**
 * A local stand-in for the Slack Web API (`SLACK_API_URL`). It records every call and answers like
 * Slack for the methods the bot uses; tests can script answers (429 with Retry-After, errors).
 */
export class SlackApiStandIn {
  readonly calls: SlackCall[] = [];
  /** The `ts` answered to each call (by index in `calls`), for chat.postMessage. */
  readonly postedTs: Array<string | undefined> = [];
  private server: Server | undefined;
  private responders: Responder[] = [];
  private tsCounter = 1_700_000_000;
  /** Channels the bot is a member of; posting elsewhere answers `not_in_channel`. Empty: all. */
  memberOf = new Set<string>();
  /** User-group ID → member user IDs, for usergroups.users.list. */
  userGroups = new Map<string, string[]>();
  /**
   * users.info answers by user ID (merged over an active full member of T0TEST): tests make someone
   * deactivated, a guest, a bot or external. A user not listed is an active member.
   */
  users = new Map<string, Record<string, unknown>>();
  /** How long Slack takes to answer a call (ms; default none): the call is recorded, and its ts known, at once. */
  answerDelay: (call: SlackCall) => number = () => 0;

  get url(): string {
    return `${this.base}/api/`;
  }

  /** A response_url for slash commands and actions; answers to it are recorded as `response_url` calls. */
  responseUrl(id = Math.random().toString(36).slice(2)): string {
    return `${this.base}/response/${id}`;
  }

  private get base(): string {
    const port = (this.server?.address() as AddressInfo | null)?.port;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        // Web API calls arrive under /api/<method>; anything else is a response_url the bot answered.
        const path = (req.url ?? '').split('?')[0] ?? '';
        const method = path.startsWith('/api/') ? path.slice('/api/'.length) : `response_url`;
        const call: SlackCall = {
          method,
          args: parseArgs(raw, req.headers['content-type']),
          at: Date.now(),
          path,
        };
        this.calls.push(call);
        for (const r of this.responders) {
          const scripted = r(call);
          if (scripted) {
            res.writeHead(scripted.status ?? 200, {
              'content-type': 'application/json',
              ...scripted.headers,
            });
            res.end(JSON.stringify(scripted.body ?? { ok: true }));
            return;
          }
        }
        const answer = this.defaultAnswer(call);
        this.postedTs[this.calls.length - 1] = typeof answer.ts === 'string' ? answer.ts : undefined;
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer));
        }, this.answerDelay(call));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Script an answer: the first responder returning a value wins. */
  respond(responder: Responder): () => void {
    this.responders.push(responder);
    return () => {
      this.responders = this.responders.filter((r) => r !== responder);
    };
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Waits until `predicate` holds for the recorded calls (polls; for asynchronous outbox sends). */
  async waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      if (Date.now() > deadline) {
        const seen = this.calls.map((c) => c.method).join(', ');
        throw new Error(`Slack stand-in: condition not met within ${timeoutMs} ms; calls seen: ${seen}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Top-level messages posted to `channel` since `oldest` (epoch seconds), newest first, with their metadata. */
  private history(channel: string, oldest: number): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const [i, c] of this.calls.entries()) {
      const ts = this.postedTs[i];
      if (c.method !== 'chat.postMessage' || c.args.channel !== channel || c.args.thread_ts || !ts) continue;
      if (c.at / 1000 < oldest) continue;
      out.push({
        type: 'message',
        ts,
        text: c.args.text,
        ...(c.args.metadata ? { metadata: c.args.metadata } : {}),
      });
    }
    return out.reverse();
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${this.tsCounter}.000100`;
  }

  private defaultAnswer(call: SlackCall): Record<string, unknown> {
    const channel = typeof call.args.channel === 'string' ? call.args.channel : undefined;
    switch (call.method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEST', user: 'snapshot-copy' };
      case 'chat.postMessage':
        if (channel && this.memberOf.size > 0 && !this.memberOf.has(channel) && !channel.startsWith('U')) {
          return { ok: false, error: 'not_in_channel' };
        }
        return { ok: true, channel, ts: this.nextTs(), message: { text: call.args.text } };
      case 'chat.update':
        return { ok: true, channel, ts: call.args.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'conversations.history':
        return { ok: true, messages: this.history(String(call.args.channel), Number(call.args.oldest ?? 0)) };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(call.args.users ?? 'X')}` } };
      case 'users.info': {
        const id = String(call.args.user ?? '');
        return {
          ok: true,
          user: {
            id,
            team_id: 'T0TEST',
            deleted: false,
            is_bot: false,
            is_restricted: false,
            is_ultra_restricted: false,
            ...this.users.get(id),
          },
        };
      }
      case 'usergroups.users.list':
        return { ok: true, users: this.userGroups.get(String(call.args.usergroup)) ?? [] };
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return { ok: true, view: { id: 'V0TEST' } };
      default:
        return { ok: true };
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The Web API client sends form-encoded bodies whose complex values are JSON strings. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json'))
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if ((v.startsWith('[') || v.startsWith('{')) && k !== 'text') {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // Not JSON after all: keep the raw string, as Slack would see it.
      }
    }
    out[k] = v;
  }
  return out;
}
