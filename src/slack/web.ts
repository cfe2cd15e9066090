import type { types, webApi } from '@slack/bolt';
import type { SlackUserFacts, Workspace } from '../domain/identity.js';

type KnownBlock = types.KnownBlock;

/** The few Web API calls the outbox makes, as a narrow port (faked in unit tests, WebClient in production). */
export interface SlackWeb {
  postMessage(args: {
    channel: string;
    text: string;
    blocks?: KnownBlock[];
    thread_ts?: string;
    metadata?: PostedMetadata;
  }): Promise<{ channel: string; ts: string }>;
  /** The newest message in `channel` since `since` that carries `metadata` (conversations.history). */
  findPosted(
    channel: string,
    since: Date,
    metadata: PostedMetadata,
  ): Promise<{ channel: string; ts: string } | undefined>;
  update(args: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }): Promise<void>;
  postEphemeral(args: { channel: string; user: string; text: string }): Promise<void>;
  openDm(userId: string): Promise<string>;
  publishHome(userId: string, view: types.HomeView): Promise<void>;
  usergroupMembers(groupId: string): Promise<string[]>;
  /** `users.info` (scope `users:read`): is this a real, active member of the workspace? */
  userInfo(userId: string): Promise<SlackUserFacts>;
  /** `auth.test`: the workspace the bot is installed in. */
  workspace(): Promise<Workspace>;
  /** Posts to an interaction's response_url (no token: the URL is the credential). */
  respond(url: string, body: Record<string, unknown>): Promise<void>;
}

/** Slack message metadata: lets the bot find a message it posted but could not record. */
export interface PostedMetadata {
  event_type: string;
  event_payload: { key: string };
}

/** Why a Slack call failed, in the terms the outbox decides on. */
export type SlackFailure =
  | { kind: 'rate-limited'; retryAfterMs: number }
  | { kind: 'not-in-channel'; error: string }
  | { kind: 'permanent'; error: string }
  | { kind: 'transient'; error: string };

export class SlackCallError extends Error {
  constructor(readonly failure: SlackFailure) {
    super('error' in failure ? failure.error : `rate limited for ${failure.retryAfterMs} ms`);
  }
}

/** Slack errors after which sending again can never succeed: the message is given up, its thread moves on. */
const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);
const TRANSIENT_PLATFORM = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

export function classifySlackError(err: unknown): SlackFailure {
  const e = err as {
    code?: string;
    retryAfter?: number;
    data?: { error?: string };
    statusCode?: number;
    message?: string;
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { kind: 'rate-limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
    case 'slack_webapi_platform_error': {
      const error = e.data?.error ?? 'unknown_error';
      if (NOT_IN_CHANNEL.has(error)) return { kind: 'not-in-channel', error };
      if (TRANSIENT_PLATFORM.has(error)) return { kind: 'transient', error };
      return { kind: 'permanent', error };
    }
    case 'slack_webapi_http_error':
      return (e.statusCode ?? 500) >= 500 || e.statusCode === 408
        ? { kind: 'transient', error: `HTTP ${e.statusCode}` }
        : { kind: 'permanent', error: `HTTP ${e.statusCode}` };
    default:
      return { kind: 'transient', error: e.message ?? String(err) };
  }
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new SlackCallError(classifySlackError(err));
  }
}

/** Adapts Bolt's WebClient. Built with `rejectRateLimitedCalls` so 429s reach the outbox, which owns pacing. */
export function webClientPort(client: webApi.WebClient): SlackWeb {
  return {
    postMessage: (args) =>
      call(async () => {
        const res = await client.chat.postMessage({ ...args, unfurl_links: false, unfurl_media: false });
        return { channel: String(res.channel), ts: String(res.ts) };
      }),
    findPosted: (channel, since, metadata) =>
      call(async () => {
        const res = await client.conversations.history({
          channel,
          oldest: String(Math.floor(since.getTime() / 1000) - 60),
          include_all_metadata: true,
          limit: 200,
        });
        const found = (res.messages ?? []).find(
          (m) =>
            m.metadata?.event_type === metadata.event_type &&
            (m.metadata.event_payload as { key?: unknown } | undefined)?.key === metadata.event_payload.key,
        );
        return found?.ts ? { channel, ts: found.ts } : undefined;
      }),
    update: (args) =>
      call(async () => {
        await client.chat.update(args);
      }),
    postEphemeral: (args) =>
      call(async () => {
        await client.chat.postEphemeral(args);
      }),
    openDm: (userId) =>
      call(async () => {
        const res = await client.conversations.open({ users: userId });
        return String(res.channel?.id);
      }),
    publishHome: (userId, view) =>
      call(async () => {
        await client.views.publish({ user_id: userId, view });
      }),
    respond: async (url, body) => {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        throw new SlackCallError({
          kind: 'transient',
          error: err instanceof Error ? err.message : String(err),
        });
      }
      if (res.status === 429) {
        const after = Number(res.headers.get('retry-after') ?? '1');
        throw new SlackCallError({ kind: 'rate-limited', retryAfterMs: Math.max(1, after) * 1000 });
      }
      if (res.status >= 500) throw new SlackCallError({ kind: 'transient', error: `HTTP ${res.status}` });
      // 404 expired_url / used_url: the URL will never take it; the caller falls back to a DM.
      if (!res.ok)
        throw new SlackCallError({ kind: 'not-in-channel', error: `response_url HTTP ${res.status}` });
    },
    userInfo: (userId) =>
      call(async () => {
        const { user } = await client.users.info({ user: userId });
        const enterpriseId = user?.enterprise_user?.enterprise_id;
        return {
          deleted: user?.deleted === true,
          isBot: user?.is_bot === true || user?.is_app_user === true,
          isRestricted: user?.is_restricted === true,
          isUltraRestricted: user?.is_ultra_restricted === true,
          isStranger: (user as { is_stranger?: boolean } | undefined)?.is_stranger === true,
          ...(user?.team_id ? { teamId: user.team_id } : {}),
          ...(enterpriseId ? { enterpriseId } : {}),
        };
      }),
    workspace: () =>
      call(async () => {
        const res = await client.auth.test();
        if (!res.team_id) throw new Error('auth.test named no team');
        return { teamId: res.team_id, ...(res.enterprise_id ? { enterpriseId: res.enterprise_id } : {}) };
      }),
    usergroupMembers: (groupId) =>
      call(async () => {
        const res = await client.usergroups.users.list({ usergroup: groupId });
        return res.users ?? [];
      }),
  };
}
