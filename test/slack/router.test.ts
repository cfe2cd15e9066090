import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { SlackRouter } from '../../src/slack/router.js';

/** The router's one middleware, as Bolt would call it with a request's arguments. */
function installed(router: SlackRouter): (args: Record<string, unknown>) => Promise<boolean> {
  let middleware: ((args: unknown) => Promise<void>) | undefined;
  router.install({ use: (m: (args: unknown) => Promise<void>) => (middleware = m) } as unknown as App);
  return async (args) => {
    let passedOn = false;
    await middleware!({
      ...args,
      next: async () => {
        passedOn = true;
      },
    });
    return passedOn;
  };
}

describe('SlackRouter', () => {
  it('hands each kind of request to the handler registered for its name, and nothing else to it', async () => {
    const router = new SlackRouter();
    const seen: string[] = [];
    router.command('/snapshot-copy', async ({ command }) => void seen.push(`command ${command.text}`));
    router.action('approve_request', async ({ action }) => void seen.push(`action ${action.type}`));
    router.view('copy_request_modal', async ({ view }) => void seen.push(`view ${view.id}`));
    router.event('app_home_opened', async ({ event }) => void seen.push(`event ${event.user}`));
    const route = installed(router);

    expect(await route({ command: { command: '/snapshot-copy', text: 'help' }, body: {} })).toBe(false);
    const click = {
      action: { action_id: 'approve_request', type: 'button' },
      body: { type: 'block_actions' },
    };
    expect(await route(click)).toBe(false);
    const submit = {
      view: { callback_id: 'copy_request_modal', id: 'V1' },
      body: { type: 'view_submission' },
    };
    expect(await route(submit)).toBe(false);
    expect(await route({ event: { type: 'app_home_opened', user: 'U1' }, body: {} })).toBe(false);
    expect(seen).toEqual(['command help', 'action button', 'view V1', 'event U1']);

    // Not the bot's: passed on to Bolt, which reports it as unhandled.
    expect(await route({ command: { command: '/other', text: '' }, body: {} })).toBe(true);
    expect(await route({ ...click, action: { action_id: 'other', type: 'button' } })).toBe(true);
    // A form closed (view_closed) is not a submission, as with Bolt's app.view(callbackId).
    expect(await route({ ...submit, body: { type: 'view_closed' } })).toBe(true);
    expect(await route({ event: { type: 'message', user: 'U1' }, body: {} })).toBe(true);
    expect(seen).toHaveLength(4);
  });

  it('refuses a second handler for the same name', () => {
    const router = new SlackRouter();
    router.action('approve_request', async () => {});
    expect(() => router.action('approve_request', async () => {})).toThrow(
      'two Slack listeners for approve_request',
    );
  });
});
