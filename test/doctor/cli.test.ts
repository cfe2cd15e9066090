import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDoctorEnv } from '../../src/doctor/env.js';
import { runDoctorCli } from '../../src/doctor/run.js';
import { DEMO_PROD_EXTERNAL_ID, demoConfigYaml } from '../../src/simulator/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'doctor-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDoctorCli(env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('readDoctorEnv', () => {
  it('needs no Slack tokens and defaults the config path', () => {
    expect(readDoctorEnv({})).toEqual({ configPath: './snapshot-copy.yml', aws: 'real' });
    expect(readDoctorEnv({ SNAPSHOT_COPY_CONFIG: '/etc/bot.yml', SNAPSHOT_COPY_AWS: 'simulated' })).toEqual({
      configPath: '/etc/bot.yml',
      aws: 'simulated',
    });
  });

  it('rejects an unknown SNAPSHOT_COPY_AWS value', () => {
    expect(() => readDoctorEnv({ SNAPSHOT_COPY_AWS: 'yes' })).toThrow(/SNAPSHOT_COPY_AWS: must be unset/);
  });
});

describe('runDoctorCli', () => {
  it('exits 2 with the config problems listed when the config is invalid', async () => {
    const path = join(dir, 'bad.yml');
    await writeFile(path, demoConfigYaml().replace('id: "222222222222"', 'id: "2222"'));

    const result = await run({ SNAPSHOT_COPY_AWS: 'simulated', SNAPSHOT_COPY_CONFIG: path });

    expect(result.code).toBe(2);
    expect(result.err).toContain('accounts[1].id: must be 12 digits');
    expect(result.out).toBe('');
  });

  it('exits 2 naming the file when a real-AWS config file is missing', async () => {
    const path = join(dir, 'missing.yml');

    const result = await run({ SNAPSHOT_COPY_CONFIG: path });

    expect(result.code).toBe(2);
    expect(result.err).toContain(`Cannot read the configuration file ${path}: no such file`);
  });

  it('exits 1 and prints the failing row when a check fails', async () => {
    const path = join(dir, 'wrong-ext.yml');
    await writeFile(
      path,
      demoConfigYaml().replace(`externalId: ${DEMO_PROD_EXTERNAL_ID}`, 'externalId: nope-ext'),
    );

    const result = await run({ SNAPSHOT_COPY_AWS: 'simulated', SNAPSHOT_COPY_CONFIG: path });

    expect(result.code).toBe(1);
    expect(result.out).toContain(`Checking ${path} against the AWS simulator`);
    expect(result.out).toMatch(/✘ FAIL +prod \(111111111111\) +- +assume role +AccessDenied assuming/);
    expect(result.out).toContain('1 failed — doctor found problems');
  });
});

describe('npm run doctor, end to end', () => {
  it('prints an all-OK table and exits 0 in sandbox mode without a config file', async () => {
    const missing = join(dir, 'no-such-config.yml');
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      // No Slack variables: doctor must not need them.
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
      const child = spawn('npx', ['tsx', 'src/doctor.ts'], {
        cwd: join(import.meta.dirname, '../..'),
        env: { ...env, SNAPSHOT_COPY_AWS: 'simulated', SNAPSHOT_COPY_CONFIG: missing },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout, stderr }));
    });

    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(0);
    expect(stdout).toContain(`the demo configuration (${missing} does not exist)`);
    expect(stdout).toMatch(/RESULT +ACCOUNT +REGION +CHECK +DETAIL/);
    expect(stdout).toMatch(/✔ OK +audit \(222222222222\) +us-west-2 +KMS key alias\/audit-ebs/);
    expect(stdout).toMatch(/25 checks: 25 ok, 0 warnings, 0 failed/);
  }, 20_000);
});
