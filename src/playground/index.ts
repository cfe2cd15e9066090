import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { type RunningBot, startBot } from '../bot.js';
import type { Env } from '../config/env.js';
import { loadConfig, parseConfigText } from '../config/load.js';
import type { Logger } from '../observability/log.js';
import { sandboxCredentials } from '../sandbox.js';
import {
  type CopyDurationModel,
  demoConfigYaml,
  demoWorld,
  type SimulatorHandle,
  startSimulator,
} from '../simulator/index.js';
import { LocalSlack } from './local-slack.js';
import { playgroundRoutes } from './routes.js';
import { welcomeMessage } from './welcome.js';
import { APPROVER_GROUP, BOT_USER_ID } from './workspace.js';

export interface Playground {
  url: string;
  bot: RunningBot;
  slack: LocalSlack;
  simulator: SimulatorHandle | undefined;
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  /** Simulated copy durations; default the simulator's (20–90 s). Tests make them short. */
  copyDuration?: CopyDurationModel;
  pollIntervalMs?: number;
}

/** The built-in demo configuration, with the playground's people as approvers. */
export function playgroundConfigYaml(): string {
  return demoConfigYaml({ approvers: [APPROVER_GROUP], allowSelfApproval: false, pollSeconds: 3 });
}

/**
 * The playground (SPEC §11): the bot, a local Slack, the AWS simulator and the database in one
 * process. The bot runs its production HTTP-mode code path; only Slack (and AWS, unless
 * SNAPSHOT_COPY_AWS=sdk) is replaced.
 */
export async function startPlayground(env: Env, log: Logger, o: PlaygroundOptions = {}): Promise<Playground> {
  const host = env.playground?.host ?? '127.0.0.1';
  const port = env.port === 0 ? await freePort(host) : env.port;
  const url = `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${port}/`;
  // The first line an operator reads: this is not a real Slack, and where to look.
  log.warn({ url }, `PLAYGROUND: no Slack app configured, running the built-in local Slack — open ${url}`);

  const signingSecret = env.slack.mode === 'http' ? env.slack.signingSecret : '';
  const slack = new LocalSlack(signingSecret);
  await slack.start();
  let simulator: SimulatorHandle | undefined;
  try {
    simulator =
      env.aws === 'simulated'
        ? await startSimulator({
            world: demoWorld(),
            ...(o.copyDuration ? { copyDuration: o.copyDuration } : {}),
          })
        : undefined;
    // A config file the operator names replaces the demo; the playground itself writes none.
    const config = existsSync(env.configPath)
      ? await loadConfig(env.configPath)
      : parseConfigText(playgroundConfigYaml(), 'built-in playground configuration');
    const bot = await startBot({
      env: { ...env, port, slack: { ...env.slack, apiUrl: slack.apiUrl } },
      config,
      log,
      host,
      extraRoutes: playgroundRoutes(slack, log),
      ...(o.pollIntervalMs !== undefined ? { pollIntervalMs: o.pollIntervalMs } : {}),
      ...(simulator
        ? {
            awsEndpoint: simulator.url,
            awsCredentials: sandboxCredentials,
          }
        : {}),
    });
    // The local Slack reaches the bot where it listens: loopback unless bound to one other address.
    const botHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    slack.botUrl = `http://${botHost.includes(':') ? `[${botHost}]` : botHost}:${bot.port}`;
    const welcome = welcomeMessage(url);
    slack.post({ channel: 'C0TEAM', user: BOT_USER_ID, text: welcome.text, blocks: welcome.blocks });
    return {
      url,
      bot,
      slack,
      simulator,
      async stop() {
        await bot.stop();
        await slack.close();
        await simulator?.close();
      },
    };
  } catch (err) {
    await slack.close();
    await simulator?.close();
    throw err;
  }
}

/** PORT=0 asks for any free port; it is picked first so the first log line can name it. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
