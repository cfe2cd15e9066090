/**
 * The doctor command without the process around it: environment in, lines out, exit code back.
 * `src/doctor.ts` binds it to the console and `process.exitCode`.
 */
import { existsSync } from 'node:fs';
import { webApi } from '@slack/bolt';
import { createAwsAccess } from '../aws/access.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig, parseConfigText } from '../config/load.js';
import type { BotConfig } from '../config/schema.js';
import {
  demoConfigYaml,
  demoWorld,
  SANDBOX_IDENTITY,
  type SimulatorHandle,
  startSimulator,
} from '../simulator/index.js';
import { webClientPort } from '../slack/web.js';
import { checkApprovers } from './approvers.js';
import { runDoctor } from './checks.js';
import { type DoctorEnv, readDoctorEnv } from './env.js';
import { exitCodeFor, formatTable } from './table.js';

export interface DoctorOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes: 0 every check works, 1 a check failed, 2 the environment or config is invalid. */
export async function runDoctorCli(
  rawEnv: Readonly<Record<string, string | undefined>>,
  output: DoctorOutput,
): Promise<0 | 1 | 2> {
  let env: DoctorEnv;
  let config: BotConfig;
  let source: string;
  try {
    env = readDoctorEnv(rawEnv);
    if (env.aws === 'simulated' && !existsSync(env.configPath)) {
      source = `the demo configuration (${env.configPath} does not exist)`;
      config = parseConfigText(demoConfigYaml(), 'the demo configuration');
    } else {
      source = env.configPath;
      config = await loadConfig(env.configPath);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      output.err(error.message);
      return 2;
    }
    throw error;
  }

  let simulator: SimulatorHandle | undefined;
  if (env.aws === 'simulated') simulator = await startSimulator({ world: demoWorld() });
  const access = createAwsAccess({
    // STS is global; a configured Region keeps the AssumeRole calls on a Region the operator uses.
    stsRegion: config.accounts[0]?.regions[0] ?? 'us-east-1',
    // Doctor answers an operator waiting at a terminal: fail fast rather than back off for long.
    maxAttempts: 3,
    ...(simulator !== undefined
      ? {
          endpoint: simulator.url,
          ownCredentials: async () => ({
            accessKeyId: SANDBOX_IDENTITY.accessKeyId,
            secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
          }),
        }
      : {}),
  });
  try {
    const where = simulator !== undefined ? 'the AWS simulator (SNAPSHOT_COPY_AWS=simulated)' : 'AWS';
    output.out(`Checking ${source} against ${where}…\n`);
    const rows = await runDoctor({ config, gateway: access.gateway });
    const botToken = rawEnv.SLACK_BOT_TOKEN?.trim();
    if (botToken) {
      const apiUrl = rawEnv.SLACK_API_URL?.trim();
      const client = new webApi.WebClient(botToken, {
        ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
        retryConfig: { retries: 1 },
        timeout: 10_000,
      });
      rows.push(...(await checkApprovers(config.approvals, webClientPort(client))));
    } else {
      output.out('Approvers not checked in Slack: set SLACK_BOT_TOKEN to check them (users:read).\n');
    }
    output.out(formatTable(rows));
    return exitCodeFor(rows);
  } finally {
    access.destroy();
    await simulator?.close();
  }
}
