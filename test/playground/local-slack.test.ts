/**
 * The playground's local Slack answers what the bot's Web API port asks, through the real
 * WebClient: here, finding an approval card the bot posted but could not record (a crash in
 * between), so the playground adopts it as real Slack would instead of posting it twice.
 */
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSlack } from '../../src/playground/local-slack.js';
import { webClientPort } from '../../src/slack/web.js';

describe('the local Slack', () => {
  let slack: LocalSlack | undefined;
  afterEach(async () => {
    await slack?.close();
    slack = undefined;
  });

  it('lists a posted message with its metadata, so a retried card post finds the first one', async () => {
    slack = new LocalSlack('secret');
    await slack.start();
    const web = webClientPort(new webApi.WebClient('xoxb-local', { slackApiUrl: slack.apiUrl }));
    const metadata = { event_type: 'snapshot_copy_card', event_payload: { key: 'R-7' } };
    const since = new Date();
    const posted = await web.postMessage({ channel: 'C0APPROVALS', text: 'card of R-7', metadata });
    await web.postMessage({ channel: 'C0APPROVALS', text: 'another message' });
    expect(await web.findPosted('C0APPROVALS', since, metadata)).toEqual(posted);
    expect(
      await web.findPosted('C0APPROVALS', since, { ...metadata, event_payload: { key: 'R-8' } }),
    ).toBeUndefined();
  });
});
