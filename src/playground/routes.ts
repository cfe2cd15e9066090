import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from '../observability/log.js';
import { dmChannel, type LocalSlack } from './local-slack.js';
import { PAGE_HTML } from './page.js';
import { BOT_USER_ID, CHANNELS, PEOPLE } from './workspace.js';

/**
 * The page and what it calls, as routes on the bot's own PORT: the page speaks to the local
 * Slack, which speaks to the bot only through signed requests and the Web API.
 */
export function playgroundRoutes(slack: LocalSlack, log: Logger): CustomRoute[] {
  const person = (id: unknown) => PEOPLE.find((p) => p.id === id)?.id;
  const post =
    (work: (user: string, body: Record<string, unknown>) => Promise<void> | void) =>
    (req: IncomingMessage, res: ServerResponse) => {
      void readJson(req)
        .then(async (body) => {
          const user = person(body.user);
          if (!user) return send(res, 400, { ok: false, error: 'unknown user' });
          await work(user, body);
          send(res, 200, { ok: true });
        })
        .catch((err: unknown) => {
          log.warn({ err }, 'playground: a page action failed');
          send(res, 500, { ok: false, error: String(err) });
        });
    };
  return [
    {
      path: '/',
      method: 'GET',
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(PAGE_HTML);
      },
    },
    {
      path: '/playground/state',
      method: 'GET',
      handler: (req, res) => {
        const user = person(new URL(req.url ?? '/', 'http://x').searchParams.get('user')) ?? PEOPLE[0]!.id;
        send(res, 200, {
          bot: BOT_USER_ID,
          people: PEOPLE,
          channels: [...CHANNELS, { id: dmChannel(user), name: 'snapshot-copy (DM)' }],
          messages: slack.messages.filter((m) => !m.ephemeralFor || m.ephemeralFor === user),
          modals: slack.modals.get(user) ?? [],
          home: slack.homes.get(user) ?? null,
        });
      },
    },
    {
      path: '/playground/events',
      method: 'GET',
      handler: (req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        // Changes come in bursts (a card and its thread); one refresh per 100 ms is plenty.
        let timer: NodeJS.Timeout | undefined;
        const off = slack.onChange(() => {
          timer ??= setTimeout(() => {
            timer = undefined;
            res.write('data: changed\n\n');
          }, 100);
        });
        req.on('close', () => {
          off();
          clearTimeout(timer);
        });
      },
    },
    {
      path: '/playground/send',
      method: 'POST',
      handler: post(async (user, b) => {
        const channel = String(b.channel ?? 'C0TEAM');
        const text = String(b.text ?? '');
        if (text.startsWith('/')) await slack.command(user, channel, text);
        else
          slack.post({
            channel,
            user,
            text,
            ...(typeof b.threadTs === 'string' ? { threadTs: b.threadTs } : {}),
          });
      }),
    },
    {
      path: '/playground/click',
      method: 'POST',
      handler: post((user, b) => {
        const where = b.where as { channel?: unknown; ts?: unknown } | 'home' | 'modal';
        if (where === 'home') return slack.click(user, 'home', String(b.actionId));
        if (where && typeof where === 'object')
          return slack.click(
            user,
            { channel: String(where.channel), ts: String(where.ts) },
            String(b.actionId),
          );
        return undefined;
      }),
    },
    {
      path: '/playground/submit',
      method: 'POST',
      handler: post((user, b) => slack.submit(user, (b.values as Record<string, unknown>) ?? {})),
    },
    { path: '/playground/close', method: 'POST', handler: post((user) => slack.closeModal(user)) },
    { path: '/playground/home', method: 'POST', handler: post((user) => slack.openHome(user)) },
  ];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}
