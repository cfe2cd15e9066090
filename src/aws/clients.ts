/**
 * SDK clients per (account, Region, role session), created on first use and cached.
 *
 * Adaptive retry keeps a client-side rate limiter per client instance, and AWS throttles EC2 per
 * account and Region, so reusing one client per (account, Region, session) lets the limiter learn;
 * the busiest caller, the poller, uses a single session name.
 *
 * Endpoints: nothing here sets `endpoint` unless the caller passes one explicitly (sandbox mode,
 * tests), so the SDK's own resolution of AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2, …_KMS and …_STS
 * stays in charge (SPEC §2).
 */
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import type { AccountConfig } from '../domain/types.js';
import type { CredentialSource } from './credentials.js';

export interface AwsClientOptions {
  credentials: CredentialSource;
  /** One endpoint for every service (the simulator); unset: the SDK and AWS_ENDPOINT_URL_* decide. */
  endpoint?: string;
  /** Attempts per call including the first; throttling is retried within these with backoff. */
  maxAttempts?: number;
  /** A hung connection must not stall a poll tick forever. */
  requestTimeoutMs?: number;
  /** Clients kept; per-request sessions would otherwise accumulate for the life of the process. */
  maxCachedClients?: number;
}

export interface ClientUse {
  /**
   * False for calls AWS must not receive twice (CopySnapshot: it takes no ClientToken). Only
   * throttling is retried then; a lost connection, a timeout or a server error goes to the caller,
   * which must find out what AWS did before calling again.
   */
  idempotent?: boolean;
}

export interface AwsClients {
  ec2(account: AccountConfig, region: string, session: string, use?: ClientUse): EC2Client;
  kms(account: AccountConfig, region: string, session: string): KMSClient;
  sts(account: AccountConfig, region: string, session: string): STSClient;
  /** Closes every client's connections; call on shutdown. */
  destroy(): void;
}

export const DEFAULT_MAX_ATTEMPTS = 6;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Work for a request runs under its own role session (CloudTrail names the request), so a burst of
 * requests makes a client each; the cache keeps the recent ones and lets the rest go (each client
 * holds its own configuration, middleware and sockets: `npm run bench` measures the footprint).
 */
const DEFAULT_MAX_CACHED_CLIENTS = 64;
type AnyClient = EC2Client | KMSClient | STSClient;

/**
 * Counts a client's calls in progress, so that an evicted client is closed the moment its last call
 * ends: closed at once, it would cut a call short; kept for a grace period, a burst of requests
 * keeps hundreds of clients and their sockets alive (`npm run bench`, footprint).
 */
class Tracked {
  private inFlight = 0;
  private evicted = false;

  constructor(readonly client: AnyClient) {
    // The middleware never looks at inputs or outputs: one client type's signature serves all three.
    (client as EC2Client).middlewareStack.add(
      (next) => async (args) => {
        this.inFlight++;
        try {
          return await next(args);
        } finally {
          this.inFlight--;
          if (this.evicted && this.inFlight === 0) client.destroy();
        }
      },
      { step: 'initialize', name: 'snapshotCopyInFlight' },
    );
  }

  evict(): void {
    this.evicted = true;
    if (this.inFlight === 0) this.client.destroy();
  }
}

export function createAwsClients(options: AwsClientOptions): AwsClients {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const capacity = options.maxCachedClients ?? DEFAULT_MAX_CACHED_CLIENTS;
  const cache = new Map<string, Tracked>();

  const config = (account: AccountConfig, region: string, session: string) => ({
    region,
    credentials: options.credentials.provider(account, session),
    retryMode: 'adaptive',
    maxAttempts,
    requestHandler: { connectionTimeout: 5_000, requestTimeout },
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  });

  const cached = <C extends AnyClient>(
    service: string,
    account: AccountConfig,
    region: string,
    session: string,
    create: () => C,
  ): C => {
    const key = `${service}\u0000${account.alias}\u0000${region}\u0000${session}`;
    const hit = cache.get(key);
    if (hit !== undefined) {
      // Re-insert so Map order is least-recently-used first.
      cache.delete(key);
      cache.set(key, hit);
      return hit.client as C;
    }
    const client = create();
    cache.set(key, new Tracked(client));
    if (cache.size > capacity) {
      const [oldestKey, oldest] = cache.entries().next().value as [string, Tracked];
      cache.delete(oldestKey);
      oldest.evict();
    }
    return client;
  };

  const ec2 = (account: AccountConfig, region: string, session: string) =>
    cached('ec2', account, region, session, () => new EC2Client(config(account, region, session)));

  return {
    ec2: (account, region, session, use) => {
      if (use?.idempotent !== false) return ec2(account, region, session);
      // Shares the idempotent client's adaptive strategy, so its rate limiter keeps learning.
      const shared = ec2(account, region, session).config.retryStrategy;
      return cached(
        'ec2-once',
        account,
        region,
        session,
        () =>
          new EC2Client({
            ...config(account, region, session),
            retryStrategy: throttlingOnly(async () => asRetryStrategyV2(await shared())),
          }),
      );
    },
    kms: (account, region, session) =>
      cached('kms', account, region, session, () => new KMSClient(config(account, region, session))),
    sts: (account, region, session) =>
      cached('sts', account, region, session, () => new STSClient(config(account, region, session))),
    destroy: () => {
      for (const { client } of cache.values()) client.destroy();
      cache.clear();
    },
  };
}

type RetryStrategyV2 = Extract<
  NonNullable<EC2ClientConfig['retryStrategy']>,
  { refreshRetryTokenForRetry: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

function asRetryStrategyV2(strategy: NonNullable<EC2ClientConfig['retryStrategy']>): RetryStrategyV2 {
  if (!('refreshRetryTokenForRetry' in strategy))
    throw new Error(`unexpected SDK retry strategy (mode ${strategy.mode ?? 'unknown'})`);
  return strategy;
}

/**
 * Retries throttling only: AWS refused the call before acting, so sending it again is safe. Any
 * other failure may hide an action AWS took (the connection died after CopySnapshot made the
 * copy, SPEC §10), and the SDK's blind retry would make a second copy.
 */
function throttlingOnly(inner: () => Promise<RetryStrategyV2>): RetryStrategyV2 {
  let strategy: RetryStrategyV2 | undefined;
  const resolve = async () => {
    strategy ??= await inner();
    return strategy;
  };
  return {
    acquireInitialRetryToken: async (scope: string) => (await resolve()).acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token, errorInfo) => {
      if (errorInfo.errorType !== 'THROTTLING')
        throw new Error(`${errorInfo.errorType} error on a non-idempotent call: not retried`);
      return (await resolve()).refreshRetryTokenForRetry(token, errorInfo);
    },
    recordSuccess: (token: RetryToken) => strategy?.recordSuccess(token),
  };
}
