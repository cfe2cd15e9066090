import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CredentialProvider } from './aws/credentials.js';
import type { Logger } from './observability/log.js';
import {
  demoConfigYaml,
  demoWorld,
  SANDBOX_IDENTITY,
  type SimulatorHandle,
  startSimulator,
} from './simulator/index.js';

/** The bot's sandbox identity, valid only against the simulator (sandbox mode and the playground). */
export const sandboxCredentials: CredentialProvider = async () => ({
  accessKeyId: SANDBOX_IDENTITY.accessKeyId,
  secretAccessKey: SANDBOX_IDENTITY.secretAccessKey,
});

export interface Sandbox {
  simulator: SimulatorHandle;
  credentials: CredentialProvider;
}

/**
 * Sandbox mode (SNAPSHOT_COPY_AWS=simulated): the AWS simulator runs in this process with the demo
 * world, and the bot talks to it through the real SDK clients with the sandbox identity. When no
 * config file exists, the demo config is written there for the operator to edit (their Slack user
 * ID as approver, their approvals channel): a sandbox nobody can approve in teaches nothing.
 */
export async function startSandbox(configPath: string, log: Logger): Promise<Sandbox> {
  if (!existsSync(configPath)) {
    await mkdir(dirname(configPath), { recursive: true });
    await writeFile(configPath, demoConfigYaml(), 'utf8');
    log.warn(
      { configPath },
      'sandbox: wrote the demo configuration; put your Slack user ID in approvals.approvers and your channel ID in slack.approvalsChannel, then restart',
    );
  }
  const simulator = await startSimulator({ world: demoWorld() });
  log.info({ url: simulator.url }, 'sandbox: AWS simulator started (nothing reaches AWS)');
  return {
    simulator,
    credentials: sandboxCredentials,
  };
}
