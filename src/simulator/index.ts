/** The AWS simulator: EC2, KMS and STS on one loopback HTTP server, for tests and sandbox mode. */
export type { Behaviour, CopyDurationModel } from './behaviour.js';
export { defaultCopyDuration } from './behaviour.js';
export { WorldBuilder } from './builder.js';
export { createManualClock, createSimClock, type SimClock } from './clock.js';
export {
  DEMO_ACCOUNTS,
  DEMO_KEYS,
  DEMO_PROD_EXTERNAL_ID,
  DEMO_ROLE_NAME,
  DEMO_SNAPSHOTS,
  demoConfigYaml,
  demoWorld,
  SANDBOX_IDENTITY,
} from './demo.js';
export { COPY_VOLUME_ID, KEY_NOT_ACCESSIBLE } from './ec2-copy.js';
export { type CopyEncryptionInput, type CopyEncryptionOutcome, copyEncryptionOutcome } from './encryption.js';
export type { ThrottleSettings } from './faults.js';
export { type CallRecord, type SimulatorHandle, type SimulatorOptions, startSimulator } from './server.js';
export type * from './spec.js';
export type { CopyRecord, Principal, SnapshotRecord, World } from './world.js';
