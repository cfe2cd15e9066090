/**
 * Credentials per configured account: the bot's own identity, or a role assumed with STS.
 *
 * Role credentials are cached per (role, external ID, session name) until shortly before they
 * expire, and concurrent callers share one in-flight AssumeRole: the poller asks for credentials on
 * every tick of every account and Region, but STS should see about one call per role per hour
 * (SPEC §8), not one per API call.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AccountConfig } from '../domain/types.js';
import { AwsError, asAwsError } from './errors.js';

/** Structurally the SDK's `AwsCredentialIdentity`, so providers can be handed to any client. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type CredentialProvider = () => Promise<Credentials>;

export interface AssumeRoleParams {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  durationSeconds: number;
}
/** The one STS operation the bot needs, as a port: tests pass a fake that counts calls. */
export type AssumeRole = (params: AssumeRoleParams) => Promise<Credentials & { expiration: Date }>;

/** Adapts an STS client (signed with the bot's own identity) to the `AssumeRole` port. */
export function stsAssumeRole(sts: STSClient): AssumeRole {
  return async (params) => {
    const output = await sts.send(
      new AssumeRoleCommand({
        RoleArn: params.roleArn,
        RoleSessionName: params.sessionName,
        DurationSeconds: params.durationSeconds,
        ...(params.externalId !== undefined ? { ExternalId: params.externalId } : {}),
      }),
    );
    const c = output.Credentials;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.Expiration === undefined) {
      throw new AwsError('unknown', `AssumeRole ${params.roleArn} answered without complete credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      expiration: c.Expiration,
      ...(c.SessionToken !== undefined ? { sessionToken: c.SessionToken } : {}),
    };
  };
}

export interface CredentialSourceOptions {
  assumeRole: AssumeRole;
  /** The bot's own credential chain, used for accounts without `roleArn`. */
  ownCredentials: CredentialProvider;
  now: () => Date;
  /** Refresh this long before expiry, so no call is signed with credentials about to lapse. */
  refreshBeforeMs?: number;
  /** Requested session length; AWS's default maximum for a role is one hour. */
  durationSeconds?: number;
}

export interface CredentialSource {
  /** Current credentials for work in `account` under the given session name (from `domain/session-name`). */
  get(account: AccountConfig, session: string): Promise<Credentials>;
  /** The same, as a provider an SDK client can call whenever it signs a request. */
  provider(account: AccountConfig, session: string): CredentialProvider;
}

interface CacheEntry {
  promise: Promise<Credentials & { expiration: Date }>;
  /** Set once the promise resolved. */
  expiresAt?: number;
}

export const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;
export const DEFAULT_SESSION_SECONDS = 3600;

export function createCredentialSource(options: CredentialSourceOptions): CredentialSource {
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const durationSeconds = options.durationSeconds ?? DEFAULT_SESSION_SECONDS;
  const cache = new Map<string, CacheEntry>();

  // Session names are per request, so entries accumulate; expired ones are dropped as new ones come.
  const sweep = (nowMs: number) => {
    for (const [key, entry] of cache) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= nowMs) cache.delete(key);
    }
  };

  const assume = (
    roleArn: string,
    externalId: string | undefined,
    sessionName: string,
  ): Promise<Credentials> => {
    const key = `${roleArn}\u0000${externalId ?? ''}\u0000${sessionName}`;
    const nowMs = options.now().getTime();
    const cached = cache.get(key);
    if (
      cached !== undefined &&
      (cached.expiresAt === undefined || nowMs < cached.expiresAt - refreshBeforeMs)
    ) {
      return cached.promise;
    }
    sweep(nowMs);
    const entry: CacheEntry = {
      promise: options
        .assumeRole({
          roleArn,
          sessionName,
          durationSeconds,
          ...(externalId !== undefined ? { externalId } : {}),
        })
        .then(
          (credentials) => {
            entry.expiresAt = credentials.expiration.getTime();
            return credentials;
          },
          (error: unknown) => {
            // A failure is not cached: the next caller tries again (the role may be fixed meanwhile).
            if (cache.get(key) === entry) cache.delete(key);
            throw roleError(roleArn, sessionName, error);
          },
        ),
    };
    cache.set(key, entry);
    return entry.promise;
  };

  const get = (account: AccountConfig, session: string): Promise<Credentials> =>
    account.roleArn === undefined
      ? options.ownCredentials()
      : assume(account.roleArn, account.externalId, session);

  return { get, provider: (account, session) => () => get(account, session) };
}

/**
 * A refused AssumeRole becomes `role-unavailable` naming the role; throttling and network failures
 * keep their own (retryable) codes, because nothing is wrong with the role itself.
 */
function roleError(roleArn: string, sessionName: string, error: unknown): AwsError {
  const mapped = asAwsError(error, `AssumeRole ${roleArn} (session ${sessionName})`);
  if (mapped.code === 'throttled' || mapped.code === 'network') return mapped;
  return new AwsError('role-unavailable', mapped.message, {
    retryable: false,
    cause: error,
    ...(mapped.awsCode !== undefined ? { awsCode: mapped.awsCode } : {}),
    ...(mapped.requestId !== undefined ? { requestId: mapped.requestId } : {}),
  });
}
