/**
 * Child processes of the bench: a server measured from outside (the bot, or the minimal Bolt app
 * that is its floor) gets an event loop and a heap of its own, so its latencies and its RSS are not
 * mixed with the load generator's, the simulator's or the Slack stand-in's.
 *
 * Children run plain `node` on the production bundle of `bench/child.ts`, built once per run with
 * the same bundler as `npm run build` (scripts/bundle.mjs): figures taken in a child are those of
 * what runs in production, not of the tsx loader or of an unbundled AWS SDK.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/bundle.mjs';
import { SANDBOX_IDENTITY } from '../src/simulator/demo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Inside node_modules, so the bundle's external dependencies resolve as they do from dist/. */
const OUT = join(ROOT, 'node_modules', '.cache', `scb-bench-${process.pid}`);

const built = new Map<string, Promise<string>>();

/** `entry` (relative to the project root) bundled as `npm run build` does, once per run. */
function builtEntry(entry: string): Promise<string> {
  let out = built.get(entry);
  if (!out) {
    const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '');
    const outdir = join(OUT, name);
    out = bundle({ entryPoints: [join(ROOT, entry)], outdir }).then(() => join(outdir, `${name}.js`));
    built.set(entry, out);
  }
  return out;
}

const builtChild = () => builtEntry('bench/child.ts');

/** The production bundle of src/main.ts (what `npm start` runs as dist/main.js), built once per run. */
export const builtMain = () => builtEntry('src/main.ts');

/** Removes the bundles (call once at the end of the run). */
export function removeBuild(): void {
  rmSync(OUT, { recursive: true, force: true });
  built.clear();
}

/**
 * How production runs node: the Docker image's CMD and `npm start` pass these flags, and the image
 * sets the environment; test/deploy/runtime.test.ts keeps the three places in step.
 * - A young generation of 4 MB instead of V8's 16 MB per semi-space, and two malloc arenas instead
 *   of one per thread: ~30 MB of a mostly idle bot's RSS that it never needs.
 * - The old generation grows by half before a full collection instead of up to 4x: polling right
 *   after starting 1,000 copies at once otherwise peaks at ~183 MB of RSS instead of ~131 MB (the
 *   garbage of the burst waits for V8's memory reducer), for two more full collections (~20 ms)
 *   per 1,000 starts (`npm run bench`, footprint).
 */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50'];
export const PRODUCTION_ENV = { MALLOC_ARENA_MAX: '2' };

export type ChildSpec =
  | {
      role: 'bot';
      simUrl: string;
      slackUrl: string;
      signingSecret: string;
      /** The bot's own AWS identity (the simulator's sandbox user). */
      credentials: { accessKeyId: string; secretAccessKey: string };
      configYaml: string;
      dbPath: string;
      /** A PostgreSQL URL instead of the SQLite file at `dbPath`. */
      databaseUrl?: string;
      /** Unset: the config's polling interval. */
      pollIntervalMs?: number;
    }
  | { role: 'floor'; slackUrl: string; signingSecret: string }
  | { role: 'pacing'; requests: number; windowMs: number };

/** A bot child that meets the simulator with the sandbox identity's credentials, and the Slack stand-in. */
export function spawnBot(o: {
  simUrl: string;
  slackUrl: string;
  signingSecret: string;
  configYaml: string;
  dbPath: string;
  databaseUrl?: string;
  pollIntervalMs?: number;
}): Promise<ChildHandle> {
  return spawnChild({
    role: 'bot',
    ...o,
    credentials: {
      accessKeyId: SANDBOX_IDENTITY.accessKeyId,
      secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
    },
  });
}

export interface ChildHandle {
  /** Set once the child said it is ready (the HTTP port of a server child). */
  port: number;
  call<T>(cmd: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

export async function spawnChild(spec: ChildSpec, timeoutMs = 60_000): Promise<ChildHandle> {
  const child: ChildProcess = fork(await builtChild(), [JSON.stringify(spec)], {
    // --no-warnings: the AWS SDK's Node-version notice would be printed once per child.
    // BENCH_CPU_PROF=<dir>: each child writes a V8 CPU profile there (open it in Chrome DevTools).
    execArgv: [
      ...PRODUCTION_NODE_FLAGS,
      '--expose-gc',
      '--no-warnings',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    env: { ...process.env, ...PRODUCTION_ENV },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;
  child.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`child ${spec.role}: ${m.error}`));
    else p.resolve(m.result);
  });
  child.on('exit', (code) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`child ${spec.role} exited with ${code}`));
    pending.clear();
  });

  const call = <T>(cmd: string, args?: unknown, callTimeoutMs = 15 * 60_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(`child ${spec.role} is gone`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`child ${spec.role}: ${cmd} timed out`));
      }, callTimeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ id, cmd, args });
    });

  const { port } = await call<{ port: number }>('ready', undefined, timeoutMs);
  return {
    port,
    call,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call('stop', undefined, 30_000).catch(() => child.kill('SIGKILL'));
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}
