/**
 * Cron wiring for `reports[]` and `drPolicies[]` (SPEC §9). Every replica runs the same timers;
 * each firing claims its slot in the store, and only the replica that wins it does the work — so
 * each scheduled report is posted once, and each policy runs once per slot, however many
 * replicas there are (graphile/worker's cron does the same with a compare-and-set).
 */
import cron from 'node-cron';
import type { BotConfig, DrPolicyConfig } from '../config/schema.js';
import type { Logger } from '../observability/log.js';
import type { Store } from '../store/port.js';

/**
 * The slot a firing belongs to: the scheduled second (6-field expressions) or minute (5-field),
 * truncated. node-cron hands over the planned time, but a timer that fires late or a few
 * milliseconds apart on two replicas must still name the same slot, so it is truncated here too.
 * Every zone node-cron accepts is offset from UTC by whole minutes, so truncating in UTC is exact.
 */
export function scheduleSlot(date: Date, cronExpr: string): Date {
  const unitMs = cronExpr.trim().split(/\s+/).length === 6 ? 1_000 : 60_000;
  return new Date(Math.floor(date.getTime() / unitMs) * unitMs);
}

export interface ScheduledJob {
  /** The name slots are claimed under: `report:<i>:<channel>`, `policy:<name>` or `drill:<name>`. */
  name: string;
  cron: string;
  timezone: string;
  run: (slot: Date) => Promise<unknown>;
}

/** Starts a cron timer; the default is node-cron. `planned` is the time the firing was planned for. */
export type CronScheduler = (
  job: Pick<ScheduledJob, 'name' | 'cron' | 'timezone'>,
  fire: (planned: Date | undefined) => Promise<unknown>,
) => { stop(): void | Promise<void> };

export interface ScheduleDeps {
  config: Pick<BotConfig, 'reports' | 'drPolicies'>;
  store: Pick<Store, 'claimScheduleSlot'>;
  /** This replica, recorded with the slots it wins. */
  owner: string;
  now: () => Date;
  runReport: (channel: string, slot: Date) => Promise<unknown>;
  runPolicy: (policy: DrPolicyConfig, slot: Date) => Promise<unknown>;
  /** A restore drill of a policy with `drill` (its own cron). */
  runDrill?: (policy: DrPolicyConfig, slot: Date) => Promise<unknown>;
  log: Logger;
  schedule?: CronScheduler;
}

export interface Schedules {
  jobs: ScheduledJob[];
  stop(): Promise<void>;
}

export function scheduledJobs(
  deps: Pick<ScheduleDeps, 'config' | 'runReport' | 'runPolicy' | 'runDrill'>,
): ScheduledJob[] {
  const { runDrill } = deps;
  return [
    ...deps.config.reports.map((r, i) => ({
      name: `report:${i}:${r.channel}`,
      cron: r.cron,
      timezone: r.timezone,
      run: (slot: Date) => deps.runReport(r.channel, slot),
    })),
    ...deps.config.drPolicies.map((p) => ({
      name: `policy:${p.name}`,
      cron: p.cron,
      timezone: p.timezone,
      run: (slot: Date) => deps.runPolicy(p, slot),
    })),
    ...deps.config.drPolicies.flatMap((p) =>
      p.drill && runDrill
        ? [
            {
              name: `drill:${p.name}`,
              cron: p.drill.cron,
              timezone: p.timezone,
              run: (slot: Date) => runDrill(p, slot),
            },
          ]
        : [],
    ),
  ];
}

/**
 * One firing: claim the slot, run the job if this replica won it. A job that fails after the
 * claim is logged and not retried in this slot (the next slot runs it again): at most once per
 * slot is the promise, and the outbox's dedupe key guards the report post as well.
 */
export async function fireJob(
  deps: Pick<ScheduleDeps, 'store' | 'owner' | 'now' | 'log'>,
  job: ScheduledJob,
  planned: Date | undefined,
): Promise<'ran' | 'not-elected' | 'failed'> {
  const at = deps.now();
  const slot = scheduleSlot(planned ?? at, job.cron);
  const log = deps.log.child({ schedule: job.name, slot: slot.toISOString() });
  let won: boolean;
  try {
    won = await deps.store.claimScheduleSlot({ name: job.name, slot, owner: deps.owner, at });
  } catch (err) {
    log.error({ err }, 'could not claim the schedule slot; skipping it');
    return 'failed';
  }
  if (!won) {
    log.debug('another replica has this slot');
    return 'not-elected';
  }
  try {
    await job.run(slot);
    return 'ran';
  } catch (err) {
    log.error({ err }, 'scheduled job failed');
    return 'failed';
  }
}

export function startSchedules(deps: ScheduleDeps): Schedules {
  const schedule = deps.schedule ?? nodeCronScheduler(deps.log);
  const jobs = scheduledJobs(deps);
  const tasks = jobs.map((job) => schedule(job, (planned) => fireJob(deps, job, planned)));
  deps.log.info({ schedules: jobs.map((j) => `${j.name} ${j.cron} ${j.timezone}`) }, 'schedules started');
  return {
    jobs,
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}

export function nodeCronScheduler(log: Logger): CronScheduler {
  const cronLog = log.child({ component: 'node-cron' });
  const logger = {
    info: (message: string) => cronLog.info(message),
    warn: (message: string) => cronLog.warn(message),
    error: (message: string | Error, err?: Error) => cronLog.error({ err: err ?? message }, String(message)),
    debug: (message: string | Error) => cronLog.debug(String(message)),
  };
  return (job, fire) => {
    const task = cron.schedule(job.cron, (context) => fire(context.date), {
      timezone: job.timezone,
      name: job.name,
      // A policy run that outlasts its interval must not overlap itself in this replica.
      noOverlap: true,
      logger,
    });
    return { stop: () => task.destroy() };
  };
}
