/**
 * Failures in plain words: what AWS said, and what the operator should change. Decisions are made
 * on the domain codes of `AwsError` (aws/errors.ts), never on SDK exception classes.
 */

import { type AwsError, asAwsError } from '../aws/errors.js';
import type { AccountConfig } from '../domain/types.js';

/** The KMS actions a role needs on a key that encrypts or decrypts copies (SPEC §5.7). */
export const KMS_COPY_ACTIONS =
  'kms:DescribeKey, kms:CreateGrant, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKeyWithoutPlaintext';

/** `AccessDenied: User … is not authorized …`: the AWS code and AWS's own words, without our context. */
export function awsWords(error: AwsError): string {
  const original = innermostMessage(error) ?? error.message;
  const code = error.awsCode;
  return code !== undefined && !original.startsWith(code) ? `${code}: ${original}` : original;
}

function innermostMessage(error: unknown): string | undefined {
  let found: string | undefined;
  let current: unknown = error;
  // Our wrappers add context ("GetCallerIdentity in prod …"); the row already says where.
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message !== '') found = current.message;
    current = current.cause;
  }
  return found;
}

function causedByMissingCredentials(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.name === 'CredentialsProviderError') return true;
    current = current.cause;
  }
  return false;
}

const OWN_CREDENTIALS_FIX =
  "the bot's own AWS credentials were not found: configure the SDK's standard credential chain " +
  '(AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance/task role)';

/** Fixes that do not depend on the check: the network, throttling, missing credentials. */
function generalFix(error: AwsError): string | undefined {
  if (causedByMissingCredentials(error)) return OWN_CREDENTIALS_FIX;
  if (error.code === 'network') {
    return 'AWS could not be reached: check network access, proxy settings and AWS_ENDPOINT_URL* variables';
  }
  if (error.code === 'throttled') return 'AWS throttled the calls even after retries: run doctor again later';
  if (error.awsCode === 'OptInRequired') {
    return "the Region is not enabled in this account: enable it, or remove it from the account's regions";
  }
  return undefined;
}

function explain(error: unknown, fix: (error: AwsError) => string | undefined): string {
  const mapped = asAwsError(error);
  const advice = generalFix(mapped) ?? fix(mapped);
  return advice === undefined ? awsWords(mapped) : `${awsWords(mapped)} — ${advice}`;
}

export function explainAssumeRole(error: unknown, account: AccountConfig): string {
  const mapped = asAwsError(error);
  const general = generalFix(mapped);
  if (account.roleArn === undefined) {
    return `${awsWords(mapped)} (the bot's own credentials, no roleArn)${general !== undefined ? ` — ${general}` : ''}`;
  }
  const how = account.externalId !== undefined ? ` with externalId "${account.externalId}"` : '';
  const fix =
    general ??
    (mapped.code === 'role-unavailable' || mapped.code === 'unauthorized'
      ? "check the role's trust policy: it must trust the bot's identity, and an sts:ExternalId condition " +
        `must match ${account.externalId !== undefined ? 'externalId in the config' : 'an externalId set in the config'}; ` +
        'also that the role exists and the bot may call sts:AssumeRole on it'
      : undefined);
  return `${mapped.awsCode ?? mapped.code} assuming ${account.roleArn}${how}: ${innermostMessage(mapped) ?? mapped.message}${
    fix !== undefined ? ` — ${fix}` : ''
  }`;
}

export function explainEncryptionDefaults(error: unknown): string {
  return explain(error, (e) =>
    e.code === 'unauthorized'
      ? "allow ec2:GetEbsEncryptionByDefault and ec2:GetEbsDefaultKmsKeyId in the role's policy " +
        '(the bot reads them to predict how copies are encrypted)'
      : undefined,
  );
}

export function explainDescribeSnapshots(error: unknown): string {
  return explain(error, (e) =>
    e.code === 'unauthorized'
      ? "allow ec2:DescribeSnapshots in the role's policy (the bot checks sources and polls copies with it)"
      : undefined,
  );
}

/** A configured (or default EBS) key the account's role could not describe. */
export function explainDescribeKey(
  error: unknown,
  account: AccountConfig,
  region: string,
  key: string,
): string {
  const who = account.roleArn ?? `account ${account.id}`;
  return explain(error, (e) => {
    switch (e.code) {
      case 'unauthorized':
        return (
          `the key policy must allow ${who} ${KMS_COPY_ACTIONS}` +
          " (for a key in another account, the role's IAM policy must allow them too)"
        );
      case 'not-found':
        return (
          `no key ${key} in ${account.id} ${region}: KMS keys are regional; check the alias or key ID, ` +
          'or give the full key ARN for a key of another account'
        );
      case 'key-not-accessible':
        return 'the key is disabled or pending deletion: enable it or choose another key';
      case 'invalid-parameter':
        return 'use a key ID, alias/…, key ARN or alias ARN';
      default:
        return undefined;
    }
  });
}
