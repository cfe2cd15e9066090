import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BOT_ID, BOT_USER_ID, CHANNELS, PEOPLE, TEAM_ID, USER_GROUPS } from './workspace.js';

/** A message as the local Slack keeps it; the page renders these. */
export interface Message {
  channel: string;
  ts: string;
  threadTs?: string;
  user: string;
  text: string;
  blocks?: unknown[];
  /** Set on ephemeral messages: the only user who sees it. */
  ephemeralFor?: string;
  /** Message metadata the bot attached (it finds its own approval cards again by it). */
  metadata?: unknown;
}

export interface ModalState {
  id: string;
  view: Record<string, unknown>;
  errors: Record<string, string>;
}

type Json = Record<string, unknown>;

/** Slack's trigger IDs are good for 3 seconds. */
const TRIGGER_TTL_MS = 3_000;

/**
 * The local Slack (SPEC §11): a Web API server the bot reaches through SLACK_API_URL, and a sender
 * of signed requests to the bot's /slack/events. It knows the bot only as Slack does.
 */
export class LocalSlack {
  readonly messages: Message[] = [];
  readonly modals = new Map<string, ModalState[]>();
  readonly homes = new Map<string, Json>();
  private readonly triggers = new Map<string, { user: string; until: number }>();
  private readonly responseUrls = new Map<string, { channel: string; user: string; ephemeralTs?: string }>();
  private readonly listeners = new Set<() => void>();
  private server: Server | undefined;
  private tsCounter = Math.floor(Date.now() / 1000) * 1_000_000;
  private viewCounter = 0;
  /** Where the bot receives Slack's requests; set once the bot listens. */
  botUrl = '';

  constructor(
    private readonly signingSecret: string,
    private readonly now: () => number = Date.now,
  ) {}

  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  private get base(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo | null)?.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const args = parseArgs(raw, req.headers['content-type']);
        const answer = path.startsWith('/api/')
          ? this.call(path.slice('/api/'.length), args)
          : path.startsWith('/response/')
            ? this.respond(path.slice('/response/'.length), args)
            : { ok: false, error: 'not_found' };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    // Loopback only: the Web API stand-in is for the bot in this process.
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Called after every change; the page's live updates hang off it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  private nextTs(): string {
    this.tsCounter = Math.max(this.tsCounter + 1, Math.floor(this.now() / 1000) * 1_000_000);
    const s = String(this.tsCounter);
    return `${s.slice(0, -6)}.${s.slice(-6)}`;
  }

  /** A message from a person, typed in the composer (plain messages: the bot does not read them). */
  post(m: Omit<Message, 'ts'>): Message {
    const message = { ...m, ts: this.nextTs() };
    this.messages.push(message);
    this.changed();
    return message;
  }

  // ---- The Web API ---------------------------------------------------------------------------

  call(method: string, a: Json): Json {
    const handler = this.webApi.get(method);
    return handler ? handler(a) : { ok: false, error: 'unknown_method' };
  }

  /** The Web API methods the bot uses, each answered as Slack answers it. */
  private readonly webApi = new Map<string, (a: Json) => Json>([
    ['api.test', (a) => ({ ok: true, args: a })],
    ['auth.test', () => this.authTest()],
    ['chat.postMessage', (a) => this.postMessage(a)],
    ['conversations.history', (a) => this.history(a)],
    ['chat.update', (a) => this.updateMessage(a)],
    ['chat.delete', (a) => this.deleteMessage(a)],
    ['chat.postEphemeral', (a) => this.postEphemeral(a)],
    ['conversations.open', (a) => this.openConversation(a)],
    ['conversations.info', (a) => this.conversationInfo(a)],
    [
      'conversations.list',
      () => ({
        ok: true,
        channels: CHANNELS.map((c) => ({ id: c.id, name: c.name, is_channel: true, is_member: true })),
      }),
    ],
    ['conversations.members', () => ({ ok: true, members: PEOPLE.map((p) => p.id) })],
    ['users.info', (a) => this.userInfo(a)],
    ['usergroups.users.list', (a) => this.userGroupUsers(a)],
    ['views.open', (a) => this.openView(a, [])],
    ['views.push', (a) => this.openView(a)],
    ['views.update', (a) => this.updateView(a)],
    ['views.publish', (a) => this.publishHome(a)],
  ]);

  private authTest(): Json {
    return {
      ok: true,
      url: 'http://localhost/',
      team: 'Playground',
      user: 'snapshot-copy',
      team_id: TEAM_ID,
      user_id: BOT_USER_ID,
      bot_id: BOT_ID,
    };
  }

  private postMessage(a: Json): Json {
    const channel = channelOf(a.channel);
    if (!this.knownChannel(channel)) return { ok: false, error: 'channel_not_found' };
    const m = this.post({
      channel,
      user: BOT_USER_ID,
      text: str(a.text) ?? '',
      ...(Array.isArray(a.blocks) ? { blocks: a.blocks } : {}),
      ...(str(a.thread_ts) ? { threadTs: str(a.thread_ts) } : {}),
      // The Web client sends object arguments of a form-encoded call as JSON text.
      ...(a.metadata !== undefined
        ? { metadata: typeof a.metadata === 'string' ? JSON.parse(a.metadata) : a.metadata }
        : {}),
    });
    return { ok: true, channel, ts: m.ts, message: { text: m.text, ts: m.ts } };
  }

  /** Newest first, top-level messages since `oldest`, as Slack lists them. */
  private history(a: Json): Json {
    const channel = channelOf(a.channel);
    if (!this.knownChannel(channel)) return { ok: false, error: 'channel_not_found' };
    const oldest = Number(a.oldest ?? 0);
    const messages = this.messages
      .filter((m) => m.channel === channel && !m.threadTs && !m.ephemeralFor && Number(m.ts) >= oldest)
      .reverse()
      .map((m) => ({
        type: 'message',
        user: m.user,
        text: m.text,
        ts: m.ts,
        ...(m.metadata ? { metadata: m.metadata } : {}),
      }));
    return { ok: true, messages, has_more: false };
  }

  private updateMessage(a: Json): Json {
    const m = this.messages.find((x) => x.channel === channelOf(a.channel) && x.ts === a.ts);
    if (!m) return { ok: false, error: 'message_not_found' };
    if (a.text !== undefined) m.text = str(a.text) ?? '';
    if (Array.isArray(a.blocks)) m.blocks = a.blocks;
    this.changed();
    return { ok: true, channel: m.channel, ts: m.ts, text: m.text };
  }

  private deleteMessage(a: Json): Json {
    const i = this.messages.findIndex((x) => x.channel === channelOf(a.channel) && x.ts === a.ts);
    if (i < 0) return { ok: false, error: 'message_not_found' };
    this.messages.splice(i, 1);
    this.changed();
    return { ok: true, channel: a.channel, ts: a.ts };
  }

  private postEphemeral(a: Json): Json {
    const channel = channelOf(a.channel);
    const user = str(a.user);
    if (!user || !this.person(user)) return { ok: false, error: 'user_not_found' };
    if (!this.knownChannel(channel)) return { ok: false, error: 'channel_not_found' };
    const m = this.post({
      channel,
      user: BOT_USER_ID,
      text: str(a.text) ?? '',
      ephemeralFor: user,
      ...(Array.isArray(a.blocks) ? { blocks: a.blocks } : {}),
      ...(str(a.thread_ts) ? { threadTs: str(a.thread_ts) } : {}),
    });
    return { ok: true, message_ts: m.ts };
  }

  private openConversation(a: Json): Json {
    const user = String(a.users ?? '').split(',')[0] ?? '';
    if (!this.person(user)) return { ok: false, error: 'user_not_found' };
    return { ok: true, channel: { id: dmChannel(user) } };
  }

  private conversationInfo(a: Json): Json {
    const c = CHANNELS.find((x) => x.id === a.channel);
    return c
      ? { ok: true, channel: { id: c.id, name: c.name, is_channel: true, is_member: true } }
      : { ok: false, error: 'channel_not_found' };
  }

  private userInfo(a: Json): Json {
    const p = this.person(str(a.user) ?? '');
    if (!p) return { ok: false, error: 'user_not_found' };
    return {
      ok: true,
      user: {
        id: p.id,
        team_id: TEAM_ID,
        name: p.name,
        real_name: p.realName,
        deleted: false,
        is_bot: false,
        is_restricted: false,
        is_ultra_restricted: false,
        profile: { real_name: p.realName, display_name: p.name },
      },
    };
  }

  private userGroupUsers(a: Json): Json {
    const users = USER_GROUPS[String(a.usergroup)];
    return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
  }

  /** views.open starts a new stack (`stack` given empty); views.push adds to the user's. */
  private openView(a: Json, stack?: ModalState[]): Json {
    const trigger = this.triggers.get(String(a.trigger_id));
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    this.triggers.delete(String(a.trigger_id));
    if (trigger.until < this.now()) return { ok: false, error: 'expired_trigger_id' };
    const view = asView(a.view);
    if (!view) return { ok: false, error: 'invalid_arguments' };
    const modals = stack ?? this.modals.get(trigger.user) ?? [];
    const id = `V0MODAL${++this.viewCounter}`;
    modals.push({ id, view, errors: {} });
    this.modals.set(trigger.user, modals);
    this.changed();
    return { ok: true, view: { ...view, id } };
  }

  private updateView(a: Json): Json {
    const view = asView(a.view);
    for (const stack of this.modals.values()) {
      const m = stack.find(
        (s) => s.id === a.view_id || (a.external_id && s.view.external_id === a.external_id),
      );
      if (m && view) {
        m.view = view;
        m.errors = {};
        this.changed();
        return { ok: true, view: { ...view, id: m.id } };
      }
    }
    return { ok: false, error: 'not_found' };
  }

  private publishHome(a: Json): Json {
    const view = asView(a.view);
    const user = str(a.user_id);
    if (!view || !user || !this.person(user)) return { ok: false, error: 'invalid_arguments' };
    this.homes.set(user, view);
    this.changed();
    return { ok: true, view: { ...view, id: `V0HOME${user}` } };
  }

  /** An answer posted to a response_url (`respond()` in the bot). */
  private respond(id: string, a: Json): Json {
    const target = this.responseUrls.get(id);
    if (!target) return { ok: false, error: 'expired_url' };
    this.show(target, a);
    return { ok: true };
  }

  /** Shows a command's or a click's answer (ack body or response_url post) the way Slack does. */
  private show(target: { channel: string; user: string; ephemeralTs?: string }, a: Json): void {
    const text = typeof a.text === 'string' ? a.text : '';
    const blocks = Array.isArray(a.blocks) ? a.blocks : undefined;
    if (a.delete_original === true || a.delete_original === 'true') return;
    const previous = target.ephemeralTs
      ? this.messages.find((m) => m.ts === target.ephemeralTs && m.ephemeralFor === target.user)
      : undefined;
    const replace = a.replace_original === true || a.replace_original === 'true';
    if (previous && replace && a.response_type !== 'in_channel') {
      previous.text = text;
      if (blocks) previous.blocks = blocks;
      else delete previous.blocks;
      this.changed();
      return;
    }
    const m = this.post({
      channel: target.channel,
      user: BOT_USER_ID,
      text,
      ...(blocks ? { blocks } : {}),
      ...(a.response_type === 'in_channel' ? {} : { ephemeralFor: target.user }),
    });
    target.ephemeralTs = m.ts;
  }

  private knownChannel(channel: string): boolean {
    return CHANNELS.some((c) => c.id === channel) || /^D/.test(channel);
  }

  private person(id: string) {
    return PEOPLE.find((p) => p.id === id);
  }

  // ---- Requests to the bot, signed as Slack signs them ---------------------------------------

  private trigger(user: string): string {
    const id = `${Date.now()}.${randomBytes(6).toString('hex')}`;
    this.triggers.set(id, { user, until: this.now() + TRIGGER_TTL_MS });
    return id;
  }

  private responseUrl(channel: string, user: string): string {
    const id = randomBytes(8).toString('hex');
    this.responseUrls.set(id, { channel, user });
    return `${this.base}/response/${id}`;
  }

  private async send(body: string, contentType: string): Promise<{ status: number; text: string }> {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = createHmac('sha256', this.signingSecret)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex');
    const res = await fetch(`${this.botUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': `v0=${signature}`,
      },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  private async interaction(payload: Json): Promise<{ status: number; text: string }> {
    return this.send(
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      'application/x-www-form-urlencoded',
    );
  }

  /** A slash command typed by `user` in `channel`; the ack's body shows as Slack shows it. */
  async command(user: string, channel: string, line: string): Promise<void> {
    const command = line.trim().split(/\s+/)[0] ?? '';
    const text = line.trim().slice(command.length).trim();
    const url = this.responseUrl(channel, user);
    const res = await this.send(
      new URLSearchParams({
        token: 'playground',
        team_id: TEAM_ID,
        team_domain: 'playground',
        channel_id: channel,
        channel_name: CHANNELS.find((c) => c.id === channel)?.name ?? 'directmessage',
        user_id: user,
        user_name: this.person(user)?.name ?? user,
        command,
        text,
        api_app_id: 'A0PLAYGROUND',
        is_enterprise_install: 'false',
        response_url: url,
        trigger_id: this.trigger(user),
      }).toString(),
      'application/x-www-form-urlencoded',
    );
    if (res.status !== 200) {
      this.show(
        { channel, user },
        {
          text: `:x: /${command.replace('/', '')} failed with the error "dispatch_failed" (HTTP ${res.status})`,
        },
      );
      return;
    }
    const id = url.split('/').pop() ?? '';
    const target = this.responseUrls.get(id);
    if (res.text && target) {
      const body = safeJson(res.text);
      if (body && (body.text || body.blocks)) this.show(target, body);
    }
  }

  /** A click on a button in a message (or on the App Home when `channel` is undefined). */
  async click(
    user: string,
    where: { channel: string; ts: string } | 'home',
    actionId: string,
  ): Promise<void> {
    const source =
      where === 'home'
        ? this.homes.get(user)
        : this.messages.find((m) => m.channel === where.channel && m.ts === where.ts);
    const blocks = (
      where === 'home' ? (source as Json | undefined)?.blocks : (source as Message | undefined)?.blocks
    ) as Json[] | undefined;
    let found: { block: Json; element: Json } | undefined;
    for (const block of blocks ?? []) {
      for (const element of (block.elements as Json[] | undefined) ?? []) {
        if (element.action_id === actionId) found ??= { block, element };
      }
    }
    if (!found) return;
    const action = {
      type: found.element.type,
      action_id: actionId,
      block_id: found.block.block_id,
      text: found.element.text,
      value: found.element.value,
      ...(found.element.style ? { style: found.element.style } : {}),
      action_ts: String(Date.now() / 1000),
    };
    const common = {
      type: 'block_actions',
      user: { id: user, username: this.person(user)?.name, team_id: TEAM_ID },
      api_app_id: 'A0PLAYGROUND',
      token: 'playground',
      team: { id: TEAM_ID, domain: 'playground' },
      trigger_id: this.trigger(user),
      actions: [action],
    };
    if (where === 'home') {
      await this.interaction({
        ...common,
        container: { type: 'view', view_id: `V0HOME${user}` },
        view: source,
      });
      return;
    }
    const m = source as Message;
    await this.interaction({
      ...common,
      container: { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: !!m.ephemeralFor },
      channel: { id: m.channel, name: CHANNELS.find((c) => c.id === m.channel)?.name },
      message: { type: 'message', ts: m.ts, text: m.text, blocks: m.blocks, user: m.user },
      response_url: this.responseUrl(m.channel, user),
    });
  }

  /** Submits the user's topmost modal with the page's values; errors land on its fields. */
  async submit(user: string, values: Json): Promise<void> {
    const stack = this.modals.get(user);
    const top = stack?.at(-1);
    if (!stack || !top) return;
    const res = await this.interaction({
      type: 'view_submission',
      team: { id: TEAM_ID, domain: 'playground' },
      user: { id: user, username: this.person(user)?.name, team_id: TEAM_ID },
      api_app_id: 'A0PLAYGROUND',
      token: 'playground',
      trigger_id: this.trigger(user),
      view: { ...top.view, id: top.id, team_id: TEAM_ID, state: { values } },
      response_urls: [],
    });
    const body = res.text ? safeJson(res.text) : undefined;
    if (body?.response_action === 'errors') {
      top.errors = (body.errors as Record<string, string>) ?? {};
    } else if (body?.response_action === 'update' && asView(body.view)) {
      top.view = asView(body.view)!;
      top.errors = {};
    } else if (body?.response_action === 'push' && asView(body.view)) {
      stack.push({ id: `V0MODAL${++this.viewCounter}`, view: asView(body.view)!, errors: {} });
    } else if (body?.response_action === 'clear') {
      this.modals.delete(user);
    } else if (res.status === 200) {
      stack.pop();
    } else {
      top.errors = { _: `The app did not answer (HTTP ${res.status}); try again.` };
    }
    this.changed();
  }

  closeModal(user: string): void {
    this.modals.get(user)?.pop();
    this.changed();
  }

  /** Opening the App Home tab: Slack sends app_home_opened. */
  async openHome(user: string): Promise<void> {
    await this.send(
      JSON.stringify({
        token: 'playground',
        team_id: TEAM_ID,
        api_app_id: 'A0PLAYGROUND',
        type: 'event_callback',
        event_id: `Ev${randomBytes(6).toString('hex')}`,
        event_time: Math.floor(Date.now() / 1000),
        event: {
          type: 'app_home_opened',
          user,
          channel: dmChannel(user),
          tab: 'home',
          event_ts: String(Date.now() / 1000),
        },
      }),
      'application/json',
    );
  }
}

export function dmChannel(user: string): string {
  return `D${user.slice(1)}`;
}

/** A user ID given as a channel means the DM with that user. */
function channelOf(c: unknown): string {
  return typeof c === 'string' && /^U/.test(c) ? dmChannel(c) : String(c ?? '');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function asView(v: unknown): Json | undefined {
  const view = typeof v === 'string' ? safeJson(v) : v;
  return view && typeof view === 'object' ? (view as Json) : undefined;
}

function safeJson(text: string): Json | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Json) : undefined;
  } catch {
    return undefined; // a plain-text answer: nothing to show
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
function parseArgs(raw: string, contentType: string | undefined): Json {
  if (contentType?.includes('application/json')) return raw ? (safeJson(raw) ?? {}) : {};
  const out: Json = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] =
      (k === 'blocks' || k === 'view' || k === 'attachments') && /^[[{]/.test(v)
        ? (safeJson(`{"v":${v}}`)?.v ?? v)
        : v;
  }
  return out;
}
