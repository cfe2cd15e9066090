import { describe, expect, it } from 'vitest';
import type { DoctorRow } from '../../src/doctor/checks.js';
import { exitCodeFor, formatTable, summaryLine } from '../../src/doctor/table.js';

const ok: DoctorRow = {
  account: 'prod (111111111111)',
  check: 'assume role',
  ok: true,
  status: 'ok',
  detail: 'assumed as arn:aws:sts::111111111111:assumed-role/snapshot-copy-bot/snapshot-copy-doctor',
};
const warn: DoctorRow = {
  account: 'staging (333333333333)',
  region: 'us-east-1',
  check: 'KMS key alias/aws/ebs',
  ok: true,
  status: 'warn',
  detail: 'AWS managed',
};
const fail: DoctorRow = {
  account: 'audit (222222222222)',
  region: 'eu-west-1',
  check: 'describe snapshots',
  ok: false,
  status: 'fail',
  detail: "UnauthorizedOperation — allow ec2:DescribeSnapshots in the role's policy",
};

describe('formatTable', () => {
  it('aligns every column under its header and leaves the detail unpadded', () => {
    const lines = formatTable([ok, warn, fail]).split('\n');
    const [header, ...body] = lines;
    expect(header).toBe('RESULT  ACCOUNT                 REGION     CHECK                  DETAIL');
    expect(body.slice(0, 3)).toEqual([
      `✔ OK    prod (111111111111)     -          assume role            ${ok.detail}`,
      '! WARN  staging (333333333333)  us-east-1  KMS key alias/aws/ebs  AWS managed',
      `✘ FAIL  audit (222222222222)    eu-west-1  describe snapshots     ${fail.detail}`,
    ]);
  });

  it('ends with a blank line and the summary', () => {
    const lines = formatTable([ok, fail]).split('\n');
    expect(lines.at(-2)).toBe('');
    expect(lines.at(-1)).toBe('2 checks: 1 ok, 0 warnings, 1 failed — doctor found problems');
  });
});

describe('summaryLine', () => {
  it('counts warnings apart from failures', () => {
    expect(summaryLine([ok, warn])).toBe(
      '2 checks: 1 ok, 1 warning, 0 failed — everything doctor checks works',
    );
    expect(summaryLine([ok])).toBe('1 check: 1 ok, 0 warnings, 0 failed — everything doctor checks works');
  });
});

describe('exitCodeFor', () => {
  it('is 1 when any check failed and 0 otherwise, warnings included', () => {
    expect(exitCodeFor([ok, warn])).toBe(0);
    expect(exitCodeFor([ok, warn, fail])).toBe(1);
    expect(exitCodeFor([])).toBe(0);
  });
});
