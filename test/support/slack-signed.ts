import { createHmac } from 'node:crypto';

/** Sends Slack-signed requests to a running bot, exactly as Slack does (v0 HMAC-SHA256 signatures). */
export class SlackSender {
  constructor(
    private readonly baseUrl: string,
    private readonly signingSecret: string,
    /** Where the bot's `respond()` goes: the Slack stand-in, so answers are recorded. */
    private readonly responseUrl: () => string = () => 'http://127.0.0.1:9/response',
  ) {}

  sign(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const sig = createHmac('sha256', this.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
    return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${sig}` };
  }

  async post(
    body: string,
    opts: { contentType?: string; headers?: Record<string, string>; timestamp?: number } = {},
  ): Promise<{ status: number; text: string; json: () => unknown }> {
    const res = await fetch(`${this.baseUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
        ...this.sign(body, opts.timestamp),
        ...opts.headers,
      },
      body,
    });
    const text = await res.text();
    return { status: res.status, text, json: () => (text ? JSON.parse(text) : undefined) };
  }

  /** A slash command as Slack posts it (form-encoded). */
  command(text: string, user = 'U0REQUESTER', channel = 'C0OPS', extra: Record<string, string> = {}) {
    const body = new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: 'T0TEST',
      team_domain: 'test',
      channel_id: channel,
      channel_name: 'ops',
      user_id: user,
      user_name: user.toLowerCase(),
      command: '/snapshot-copy',
      text,
      api_app_id: 'A0TEST',
      response_url: this.responseUrl(),
      trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
      ...extra,
    }).toString();
    return this.post(body);
  }

  /** An interactive payload (block_actions, view_submission) as Slack posts it. */
  interaction(payload: Record<string, unknown>) {
    if (!('response_url' in payload) && payload.type === 'block_actions')
      payload.response_url = this.responseUrl();
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(body);
  }
}
