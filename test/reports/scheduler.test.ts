import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AwsGateway } from '../../src/aws/gateway.js';
import type { DrPolicyConfig } from '../../src/config/schema.js';
import { Notifier } from '../../src/messages/notifier.js';
import { createLogger } from '../../src/observability/log.js';
import {
  type CronScheduler,
  fireJob,
  type ScheduledJob,
  scheduleSlot,
  startSchedules,
} from '../../src/reports/scheduler.js';
import { ReportService } from '../../src/reports/service.js';
import type { FilingAws } from '../../src/requests/ports.js';
import { slackReportRenderer } from '../../src/slack/blocks/report.js';
import type { Store } from '../../src/store/port.js';
import { botConfig } from './fixtures.js';
import { openReplicaStores, openSqliteStore, type ReplicaStores } from './stores.js';

const log = createLogger({ level: 'silent' });
const d = (iso: string) => new Date(iso);

describe('scheduleSlot', () => {
  it.each([
    ['5 fields: a few ms late', '0 9 * * 1-5', '2025-03-10T08:00:00.004Z', '2025-03-10T08:00:00.000Z'],
    [
      '5 fields: late within the minute',
      '*/5 * * * *',
      '2025-03-10T08:05:59.999Z',
      '2025-03-10T08:05:00.000Z',
    ],
    ['5 fields: on the dot', '0 */6 * * *', '2025-03-10T06:00:00.000Z', '2025-03-10T06:00:00.000Z'],
    ['6 fields: seconds kept', '*/10 * * * * *', '2025-03-10T08:00:10.250Z', '2025-03-10T08:00:10.000Z'],
    ['6 fields with extra spaces', ' 30  0 9 * * * ', '2025-03-10T09:00:30.900Z', '2025-03-10T09:00:30.000Z'],
  ])('%s', (_, expr, fired, slot) => {
    expect(scheduleSlot(d(fired), expr).toISOString()).toBe(slot);
  });
});

/** AWS is not reached when posting a report; these fail loudly if it ever is. */
const noAws = () => {
  const fail = () => Promise.reject(new Error('AWS is not part of this test'));
  const gateway: Pick<AwsGateway, 'describeSnapshots' | 'findSnapshotsByTags'> = {
    describeSnapshots: fail,
    findSnapshotsByTags: fail,
  };
  const aws: FilingAws = {
    findSources: fail,
    encryptionDefaults: fail,
    describeKey: fail,
    existingSnapshots: fail,
    mayCopy: fail,
    mayShare: fail,
    sharedWith: fail,
  };
  return { gateway, aws };
};

function replica(store: Store, now: () => Date) {
  const config = botConfig();
  const service = new ReportService({
    config,
    store,
    ...noAws(),
    notify: new Notifier(store, config.slack.approvalsChannel),
    kick: () => {},
    now,
    log,
    renderer: slackReportRenderer,
  });
  return { config, service };
}

/** A cron scheduler the test fires by hand: `fire(name, planned)` is what node-cron would do. */
function manualCron() {
  const fires = new Map<string, (planned: Date | undefined) => Promise<unknown>>();
  const schedule: CronScheduler = (job, fire) => {
    fires.set(job.name, fire);
    return { stop: () => void fires.delete(job.name) };
  };
  return {
    schedule,
    fire: (name: string, planned: Date | undefined) => {
      const f = fires.get(name);
      if (!f) throw new Error(`no timer for ${name}`);
      return f(planned);
    },
    names: () => [...fires.keys()],
  };
}

describe('startSchedules across two replicas', () => {
  let stores: ReplicaStores;
  beforeEach(async () => {
    stores = await openReplicaStores();
  });
  afterEach(async () => {
    await stores.close();
  });

  it('posts a scheduled report exactly once when both replicas fire for the same slot', async () => {
    let clock = d('2025-03-10T08:00:00.003Z');
    const now = () => clock;
    const policyRuns: string[] = [];
    const crons = [manualCron(), manualCron()];
    const running = [stores.a, stores.b].map((store, i) => {
      const { config, service } = replica(store, now);
      return startSchedules({
        config,
        store,
        owner: `replica-${i}`,
        now,
        runReport: (channel, slot) => service.postReport(channel, slot),
        runPolicy: async (p: DrPolicyConfig, slot) => void policyRuns.push(`${p.name}@${slot.toISOString()}`),
        log,
        schedule: crons[i]!.schedule,
      });
    });
    expect(crons[0]!.names()).toEqual(['report:0:C0DRSTATUS', 'policy:prod-db-to-oregon']);

    // Replica 0's timer hands over the planned time; replica 1's fires 8 ms later and reads the clock.
    const results = await Promise.all([
      crons[0]!.fire('report:0:C0DRSTATUS', d('2025-03-10T08:00:00.000Z')),
      (async () => {
        clock = d('2025-03-10T08:00:00.011Z');
        return crons[1]!.fire('report:0:C0DRSTATUS', undefined);
      })(),
    ]);
    expect(results.sort()).toEqual(['not-elected', 'ran']);
    expect(await stores.a.countUnsent()).toBe(1);
    const [message, ...others] = await stores.b.claimNextMessages({
      now: d('2025-03-10T08:01:00.000Z'),
      owner: 'sender',
      leaseMs: 60_000,
      limit: 10,
    });
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      channel: 'C0DRSTATUS',
      kind: 'channel.post',
      payload: { type: 'channel.post', text: expect.stringMatching(/^DR status report: /) },
    });

    // The next slot is posted again, once.
    clock = d('2025-03-11T08:00:00.002Z');
    await Promise.all(crons.map((c) => c.fire('report:0:C0DRSTATUS', d('2025-03-11T08:00:00.000Z'))));
    expect(await stores.a.countUnsent()).toBe(2);

    // A DR policy likewise runs once per slot.
    await Promise.all(crons.map((c) => c.fire('policy:prod-db-to-oregon', d('2025-03-11T12:00:00.000Z'))));
    expect(policyRuns).toEqual(['prod-db-to-oregon@2025-03-11T12:00:00.000Z']);

    await Promise.all(running.map((r) => r.stop()));
    expect(crons[0]!.names()).toEqual([]);
  });

  it('drops a second post of the same report slot in the outbox too', async () => {
    const now = () => d('2025-03-10T08:00:00.000Z');
    const { service } = replica(stores.a, now);
    await service.postReport('C0DRSTATUS', d('2025-03-10T08:00:00.000Z'));
    await service.postReport('C0DRSTATUS', d('2025-03-10T08:00:00.000Z'));
    expect(await stores.a.countUnsent()).toBe(1);
  });
});

describe('fireJob', () => {
  it('logs and reports a job that fails after winning its slot, and the next slot runs again', async () => {
    const { store, close } = await openSqliteStore();
    try {
      const runs: string[] = [];
      const job: ScheduledJob = {
        name: 'policy:flaky',
        cron: '0 * * * *',
        timezone: 'UTC',
        run: async (slot) => {
          runs.push(slot.toISOString());
          if (runs.length === 1) throw new Error('AWS unreachable');
        },
      };
      const deps = { store, owner: 'r1', now: () => d('2025-03-10T08:00:00.005Z'), log };
      expect(await fireJob(deps, job, d('2025-03-10T08:00:00.000Z'))).toBe('failed');
      expect(await fireJob(deps, job, d('2025-03-10T08:00:00.000Z'))).toBe('not-elected');
      expect(await fireJob(deps, job, d('2025-03-10T09:00:00.000Z'))).toBe('ran');
      expect(runs).toEqual(['2025-03-10T08:00:00.000Z', '2025-03-10T09:00:00.000Z']);
    } finally {
      await close();
    }
  });
});

describe('startSchedules with node-cron', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires a report at 09:00 in the report's time zone, once across two replicas", async () => {
    const { store, close } = await openSqliteStore();
    // Monday 10 March 2025, 07:59:58 UTC = 08:59:58 in Berlin (CET).
    vi.useFakeTimers({ now: d('2025-03-10T07:59:58.000Z'), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const slots: string[] = [];
    const claims: string[] = [];
    const counted: Pick<Store, 'claimScheduleSlot'> = {
      claimScheduleSlot: (input) => {
        claims.push(input.owner);
        return store.claimScheduleSlot(input);
      },
    };
    const schedules = [0, 1].map((i) =>
      startSchedules({
        config: botConfig({ drPolicies: [] }),
        store: counted,
        owner: `replica-${i}`,
        now: () => new Date(),
        runReport: async (channel, slot) => void slots.push(`${channel}@${slot.toISOString()}`),
        runPolicy: async () => {},
        log,
      }),
    );
    try {
      await vi.advanceTimersByTimeAsync(3_000);
      await vi.waitFor(() => {
        expect(claims.sort()).toEqual(['replica-0', 'replica-1']);
        expect(slots.length).toBeGreaterThan(0);
      });
      await vi.advanceTimersByTimeAsync(100);
      expect(slots).toEqual(['C0DRSTATUS@2025-03-10T08:00:00.000Z']);
    } finally {
      await Promise.all(schedules.map((s) => s.stop()));
      vi.useRealTimers();
      await close();
    }
  });
});
