import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../src/aws/errors.js';
import type { AwsGateway } from '../../src/aws/gateway.js';
import { Notifier } from '../../src/messages/notifier.js';
import { createLogger } from '../../src/observability/log.js';
import { ReportService } from '../../src/reports/service.js';
import type { FilingAws } from '../../src/requests/ports.js';
import { slackReportRenderer } from '../../src/slack/blocks/report.js';
import type { Store } from '../../src/store/port.js';
import { botConfig, NOW, policy } from './fixtures.js';
import { openSqliteStore } from './stores.js';

/** An AWS whose every call is refused, as when the policy's role cannot be assumed. */
function refusingAws() {
  const refuse = () =>
    Promise.reject(new AwsError('role-unavailable', 'AssumeRole prod refused: not trusted'));
  const gateway: Pick<AwsGateway, 'describeSnapshots' | 'findSnapshotsByTags'> = {
    describeSnapshots: refuse,
    findSnapshotsByTags: refuse,
  };
  const aws: FilingAws = {
    findSources: refuse,
    encryptionDefaults: refuse,
    describeKey: refuse,
    existingSnapshots: refuse,
    mayCopy: refuse,
    mayShare: refuse,
    sharedWith: refuse,
  };
  return { gateway, aws };
}

describe('ReportService', () => {
  let store: Store;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ store, close } = await openSqliteStore());
  });
  afterEach(async () => {
    await close();
  });

  const service = (config = botConfig()) =>
    new ReportService({
      config,
      store,
      ...refusingAws(),
      notify: new Notifier(store, config.slack.approvalsChannel),
      kick: () => {},
      now: () => NOW,
      log: createLogger({ level: 'silent' }),
      renderer: slackReportRenderer,
    });

  it('answers /snapshot-copy report with the report as it stands', async () => {
    const { text, blocks } = await service().reportNow();
    expect(text).toBe('DR status report: 1 missed, 0 at risk, 0 met');
    expect(blocks[0]).toMatchObject({ type: 'header' });
  });

  it("tells the policy's channel when a run fails, records it, and rethrows", async () => {
    const p = policy({ channel: 'C0DRTEAM' });
    const slot = new Date('2025-03-10T06:00:00.000Z');
    await expect(service().runPolicy(p, slot)).rejects.toThrow('AssumeRole prod refused');
    // The same slot failing again (a retry of the same firing) is told once.
    await expect(service().runPolicy(p, slot)).rejects.toThrow();
    const messages = await store.claimNextMessages({ now: NOW, owner: 't', leaseMs: 60_000, limit: 10 });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      channel: 'C0DRTEAM',
      kind: 'channel.post',
      payload: {
        text: ':warning: DR policy *prod-db-to-oregon* did not run: AssumeRole prod refused: not trusted',
      },
    });
    const audit = await store.listAudit({});
    expect(audit.map((a) => [a.actor, a.action])).toContainEqual([
      'policy:prod-db-to-oregon',
      'policy.failed',
    ]);
  });

  it('announces policies without a channel in the first report channel, else the approvals channel', () => {
    expect(service().defaultChannel).toBe('C0DRSTATUS');
    expect(service(botConfig({ reports: [] })).defaultChannel).toBe('C0APPROVALS');
  });
});
