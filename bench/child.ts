/**
 * Entry point of the bench's child processes (see processes.ts): the bot alone, the minimal Bolt
 * app (the floor), or the whole Slack-pacing scenario. Commands arrive over IPC as `{ id, cmd, args }`.
 *
 * Each role imports only what it runs (dynamic imports), so the floor's memory is Bolt's alone and
 * the bot's is the bot's, not the simulator's or the stand-in's.
 */

import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import type { ChildSpec } from './processes.js';

type Handler = (args: unknown) => Promise<unknown>;

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;

function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

async function settledMemory() {
  // A full collection first, so the figure is what the process holds, not garbage not yet collected.
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  return memory();
}

/** Time from each request's arrival at the server to its response's last byte (ms), since the last call. */
let served: number[] = [];
function timeRequests(server: Server): void {
  server.on('request', (_req, res) => {
    const arrived = performance.now();
    res.once('finish', () => served.push(performance.now() - arrived));
  });
}

/**
 * BENCH_ACK_PROF=<dir>: the ack measurement profiles each burst of the bot and of the floor at
 * the highest concurrency, the burst alone (a V8 CPU profile; with BENCH_ACK_PROF_HEAP=1 a sampled
 * allocation profile instead), written to <dir>/<bot|floor>-<offset>.cpuprofile.
 */
function burstProfiler(): Record<string, Handler> {
  let session: Session | undefined;
  const heap = process.env.BENCH_ACK_PROF_HEAP === '1';
  return {
    profileStart: async () => {
      session = new Session();
      session.connect();
      if (heap) {
        await session.post('HeapProfiler.enable');
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: 2048,
          // Everything allocated during the burst, not only what is still alive at its end.
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      } else {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
      }
      return {};
    },
    profileStop: async (args) => {
      if (!session) throw new Error('profileStop without profileStart');
      const { profile } = heap
        ? await session.post('HeapProfiler.stopSampling')
        : await session.post('Profiler.stop');
      writeFileSync((args as { path: string }).path, JSON.stringify(profile));
      session.disconnect();
      session = undefined;
      return {};
    },
  };
}

async function startBotChild(s: Extract<ChildSpec, { role: 'bot' }>): Promise<Record<string, Handler>> {
  const [{ startBot }, { readEnv }, { parseConfigText }, { createLogger }, fleet] = await Promise.all([
    import('../src/bot.js'),
    import('../src/config/env.js'),
    import('../src/config/load.js'),
    import('../src/observability/log.js'),
    import('./fleet.js'),
  ]);
  const env = readEnv({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: s.signingSecret,
    SLACK_API_URL: s.slackUrl,
    PORT: '0',
    DATABASE_URL: s.databaseUrl ?? `sqlite:${s.dbPath}`,
    SNAPSHOT_COPY_CONFIG: 'unused.yml',
    LOG_LEVEL: 'silent',
  });
  const bot = await startBot({
    env,
    config: parseConfigText(s.configYaml, 'bench config'),
    log: createLogger({ level: 'silent' }),
    awsEndpoint: s.simUrl,
    awsCredentials: async () => s.credentials,
    ...(s.pollIntervalMs !== undefined ? { pollIntervalMs: s.pollIntervalMs } : {}),
  });
  const server = bot.slack.httpServer();
  if (server) timeRequests(server);
  return {
    ready: async () => ({ port: bot.port }),
    memory: async () => settledMemory(),
    cpu: async () => process.cpuUsage(),
    ...burstProfiler(),
    fileFleet: async (args) => {
      const a = args as { snapshotsPerAccount: number; perRequest: number };
      const filed = await fleet.fileFleet(bot.store, { ...a, at: new Date() });
      await bot.dispatcher.kick();
      await bot.dispatcher.idle();
      const inFlight = (await bot.store.listInFlightCopies()).reduce((n, g) => n + g.copies.length, 0);
      return { ...filed, inFlight, ...memory() };
    },
    /**
     * Engine ticks (poll + recover + sweep + dispatch), `everyMs` apart as the bot's own timer would
     * run them, with no forced collection: the largest RSS seen, sampled every 100 ms throughout.
     */
    ticks: async (args) => {
      const { n, everyMs } = args as { n: number; everyMs: number };
      let peak = process.memoryUsage().rss;
      const sample = () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      };
      const sampler = setInterval(sample, 100);
      try {
        for (let i = 0; i < n; i++) {
          await bot.engine.tick();
          sample();
          await new Promise((r) => setTimeout(r, everyMs));
        }
      } finally {
        clearInterval(sampler);
      }
      return { peakRss: peak, ...memory() };
    },
    stop: async () => {
      await bot.stop();
      return {};
    },
  };
}

/** The floor of the acknowledgement measurement: Bolt with a command listener that only acks. */
async function startFloorChild(s: Extract<ChildSpec, { role: 'floor' }>): Promise<Record<string, Handler>> {
  const { App, LogLevel } = await import('@slack/bolt');
  const app = new App({
    token: 'xoxb-floor-token',
    signingSecret: s.signingSecret,
    clientOptions: { slackApiUrl: s.slackUrl },
    logLevel: LogLevel.ERROR,
  });
  app.command('/snapshot-copy', async ({ ack }) => {
    await ack();
  });
  const server = (await app.start(0)) as Server;
  timeRequests(server);
  return {
    ready: async () => ({ port: (server.address() as AddressInfo).port }),
    memory: async () => settledMemory(),
    cpu: async () => process.cpuUsage(),
    ...burstProfiler(),
    stop: async () => {
      await app.stop();
      return {};
    },
  };
}

async function startPacingChild(s: Extract<ChildSpec, { role: 'pacing' }>): Promise<Record<string, Handler>> {
  const { runPacingScenario } = await import('./pacing.js');
  return {
    ready: async () => ({ port: 0 }),
    run: async () => runPacingScenario({ requests: s.requests, windowMs: s.windowMs }),
    stop: async () => ({}),
  };
}

const handlers: Promise<Record<string, Handler>> =
  spec.role === 'bot'
    ? startBotChild(spec)
    : spec.role === 'floor'
      ? startFloorChild(spec)
      : startPacingChild(spec);

/** How long callbacks waited for this process's event loop (ms) since the last `loopDelay` call. */
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

/**
 * The garbage collector's pauses of the main thread since the last `gcPauses` call (ms): scavenges
 * (minor), and full collections with their incremental and weak-callback steps (major; `count`
 * counts the collections, `ms` and `maxMs` every pause).
 */
interface Pauses {
  count: number;
  ms: number;
  maxMs: number;
}
const noPauses = (): Pauses => ({ count: 0, ms: 0, maxMs: 0 });
let gc = { minor: noPauses(), major: noPauses() };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind;
    const p = kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? gc.minor : gc.major;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR || kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR)
      p.count++;
    p.ms += e.duration;
    p.maxMs = Math.max(p.maxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });
const common: Record<string, Handler> = {
  /** Where the resident memory is, after a full collection: by mapping (kB) and by V8 heap space (kB size, used). */
  memoryMap: async () => {
    globalThis.gc?.();
    const { readFileSync } = await import('node:fs');
    let text = '';
    try {
      text = readFileSync('/proc/self/smaps', 'utf8'); // Linux only; elsewhere the spaces alone
    } catch {}
    const out: Record<string, number> = {};
    let name = '';
    for (const line of text.split('\n')) {
      const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (m) {
        name = m[1] || '[anon]';
        if (name.includes('/')) name = name.split('/').pop() ?? name;
        continue;
      }
      const r = /^Rss:\s+(\d+) kB/.exec(line);
      if (r) out[name] = (out[name] ?? 0) + Number(r[1]);
    }
    const v8 = await import('node:v8');
    const spaces = Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .filter((x) => x.space_size > 0)
        .map((x) => [x.space_name, [Math.round(x.space_size / 1024), Math.round(x.space_used_size / 1024)]]),
    );
    const mappings = Object.fromEntries(
      Object.entries(out)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5),
    );
    // V8's own malloc (parser and compiler zones) beside its heap: what is neither is the addons' and libc's.
    const h = v8.getHeapStatistics();
    const heap = {
      physicalKb: Math.round(h.total_physical_size / 1024),
      mallocedKb: Math.round(h.malloced_memory / 1024),
      peakMallocedKb: Math.round(h.peak_malloced_memory / 1024),
    };
    return { mappings, spaces, heap };
  },
  /** BENCH_HEAP_SNAPSHOT=<dir>: writes a V8 heap snapshot there after a full collection (open it in Chrome DevTools). */
  heapSnapshot: async (args) => {
    const dir = process.env.BENCH_HEAP_SNAPSHOT;
    if (!dir) return { file: null };
    const { label } = args as { label: string };
    const v8 = await import('node:v8');
    globalThis.gc?.();
    return { file: v8.writeHeapSnapshot(`${dir}/${spec.role}-${label}-${process.pid}.heapsnapshot`) };
  },
  serverTimes: async () => {
    const times = served;
    served = [];
    return times;
  },
  gcPauses: async () => {
    const r = gc;
    gc = { minor: noPauses(), major: noPauses() };
    return r;
  },
  loopDelay: async () => {
    const r = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    loop.reset();
    return r;
  },
};

process.on('message', (m: { id: number; cmd: string; args?: unknown }) => {
  void (async () => {
    try {
      const h = await handlers;
      const handler = h[m.cmd] ?? common[m.cmd];
      if (!handler) throw new Error(`unknown command ${m.cmd}`);
      const result = await handler(m.args);
      // After `stop` nothing is left to wait for: leave at once rather than on the last idle socket.
      process.send?.({ id: m.id, result }, () => {
        if (m.cmd === 'stop') process.exit(0);
      });
    } catch (err) {
      process.send?.({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});
