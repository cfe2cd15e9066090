import { ENV_DEFAULTS, ENV_README_SECTION } from '../config/env.js';
import { ConfigError } from '../config/errors.js';

/** What doctor needs of the environment: no Slack tokens, no database, only the config and AWS. */
export interface DoctorEnv {
  configPath: string;
  aws: 'real' | 'simulated';
}

/** The doctor's share of `readEnv` (SPEC §2), with the same defaults and wording. */
export function readDoctorEnv(env: Readonly<Record<string, string | undefined>> = process.env): DoctorEnv {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const aws = get('SNAPSHOT_COPY_AWS');
  if (aws !== undefined && aws !== 'simulated') {
    throw new ConfigError(
      'The environment is incomplete or invalid (1 problem):',
      [{ path: 'SNAPSHOT_COPY_AWS', message: `must be unset (real AWS) or "simulated", got "${aws}"` }],
      `See ${ENV_README_SECTION}.`,
    );
  }
  return {
    configPath: get('SNAPSHOT_COPY_CONFIG') ?? ENV_DEFAULTS.configPath,
    aws: aws === 'simulated' ? 'simulated' : 'real',
  };
}
