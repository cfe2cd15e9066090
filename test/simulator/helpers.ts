import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
// Test-only: the SDK's own retry strategy with a 1 ms backoff, so retried throttling stays fast.
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { createManualClock } from '../../src/simulator/clock.js';
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from '../../src/simulator/server.js';
import type { IdentitySpec, WorldSpec } from '../../src/simulator/spec.js';

export const A = '111111111111';
export const B = '222222222222';
export const C = '333333333333';
export const REGION = 'us-east-1';
export const OTHER_REGION = 'us-west-2';

/** One static IAM user per test account, so a test can act "as account X" directly. */
export const USERS: Record<string, IdentitySpec> = {
  [A]: {
    accessKeyId: 'AKIATESTACCOUNTA0001',
    secretAccessKey: 'secret-a',
    accountId: A,
    arn: `arn:aws:iam::${A}:user/tester`,
  },
  [B]: {
    accessKeyId: 'AKIATESTACCOUNTB0001',
    secretAccessKey: 'secret-b',
    accountId: B,
    arn: `arn:aws:iam::${B}:user/tester`,
  },
  [C]: {
    accessKeyId: 'AKIATESTACCOUNTC0001',
    secretAccessKey: 'secret-c',
    accountId: C,
    arn: `arn:aws:iam::${C}:user/tester`,
  },
};

export function baseWorld(extra: Partial<WorldSpec> = {}): WorldSpec {
  return {
    accounts: [{ id: A }, { id: B }, { id: C }],
    identities: Object.values(USERS),
    ...extra,
  };
}

export interface TestSim {
  sim: SimulatorHandle;
  clock: ReturnType<typeof createManualClock>;
}

/** A simulator on a manual clock; copies take 60 s unless a test says otherwise. */
export async function startTestSim(
  world: WorldSpec,
  options: Partial<SimulatorOptions> = {},
): Promise<TestSim> {
  const clock = createManualClock();
  const sim = await startSimulator({
    world,
    now: clock.now,
    copyDuration: ({ incremental }) => (incremental ? 15_000 : 60_000),
    keyFailureDelayMs: 5_000,
    volumeCreateMs: 10_000,
    ...options,
  });
  return { sim, clock };
}

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ClientOptions {
  region?: string;
  /** Total attempts; retries back off 1 ms. Default 1: no retries, errors surface at once. */
  maxAttempts?: number;
}

function common(sim: SimulatorHandle, creds: Creds, o: ClientOptions) {
  return {
    endpoint: sim.url,
    region: o.region ?? REGION,
    credentials: creds,
    retryStrategy: new ConfiguredRetryStrategy(o.maxAttempts ?? 1, 1),
  };
}

export const ec2 = (sim: SimulatorHandle, creds: Creds, o: ClientOptions = {}) =>
  new EC2Client(common(sim, creds, o));
export const kms = (sim: SimulatorHandle, creds: Creds, o: ClientOptions = {}) =>
  new KMSClient(common(sim, creds, o));
export const sts = (sim: SimulatorHandle, creds: Creds, o: ClientOptions = {}) =>
  new STSClient(common(sim, creds, o));

/** The error an SDK call rejects with (fails the test if it resolves). */
export async function awsError(
  p: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}
