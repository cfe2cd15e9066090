import { type RunningBot, startBot } from './bot.js';
import { readEnv } from './config/env.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './observability/log.js';
import type { Sandbox } from './sandbox.js';
import { SqliteInUseError, StoreUrlError } from './store/port.js';

/** Startup failures an operator can fix: one clear message, no stack trace. */
function isExpected(err: unknown): err is Error {
  return err instanceof ConfigError || err instanceof SqliteInUseError || err instanceof StoreUrlError;
}

async function main(): Promise<void> {
  let env: ReturnType<typeof readEnv>;
  try {
    env = readEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: env.logLevel });
  let sandbox: Sandbox | undefined;
  let bot: Pick<RunningBot, 'stop'> | undefined;
  try {
    // The playground (no Slack app configured): loaded only then, like the simulator.
    if (env.playground) {
      bot = await (await import('./playground/index.js')).startPlayground(env, log);
    } else {
      // Loaded only in sandbox mode: production never carries the simulator in memory.
      if (env.aws === 'simulated')
        sandbox = await (await import('./sandbox.js')).startSandbox(env.configPath, log);
      const config = await loadConfig(env.configPath);
      bot = await startBot({
        env,
        config,
        log,
        ...(sandbox ? { awsEndpoint: sandbox.simulator.url, awsCredentials: sandbox.credentials } : {}),
      });
    }
  } catch (err) {
    await sandbox?.simulator.close();
    if (isExpected(err)) {
      console.error(err.message);
      process.exit(2);
    }
    log.fatal({ err }, 'snapshot-copy-bot failed to start');
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing sends in progress; queued work resumes at next start');
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    try {
      await bot?.stop();
      await sandbox?.simulator.close();
    } finally {
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
