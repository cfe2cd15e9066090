/**
 * Wiring of the AWS layer for main, doctor and sandbox mode: the bot's own credentials → STS for
 * role sessions → cached clients → the gateway. Tests build the parts themselves with fakes.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import {
  type AwsClients,
  createAwsClients,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './clients.js';
import {
  type CredentialProvider,
  type CredentialSource,
  createCredentialSource,
  stsAssumeRole,
} from './credentials.js';
import { type AwsGateway, createAwsGateway } from './gateway.js';

export interface AwsAccessOptions {
  /** Region of the STS endpoint used for AssumeRole (e.g. the first configured Region). */
  stsRegion: string;
  /** Explicit endpoint for every service (the simulator); unset: the SDK honours AWS_ENDPOINT_URL_*. */
  endpoint?: string;
  /** The bot's own identity; default: the SDK's standard Node credential chain. */
  ownCredentials?: CredentialProvider;
  now?: () => Date;
  maxAttempts?: number;
}

export interface AwsAccess {
  gateway: AwsGateway;
  clients: AwsClients;
  credentials: CredentialSource;
  /** Closes all connections; call on shutdown. */
  destroy(): void;
}

export function createAwsAccess(options: AwsAccessOptions): AwsAccess {
  const ownCredentials = options.ownCredentials ?? fromNodeProviderChain();
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const sts = new STSClient({
    region: options.stsRegion,
    credentials: ownCredentials,
    retryMode: 'adaptive',
    maxAttempts,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS },
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  });
  const credentials = createCredentialSource({
    assumeRole: stsAssumeRole(sts),
    ownCredentials,
    now: options.now ?? (() => new Date()),
  });
  const clients = createAwsClients({
    credentials,
    maxAttempts,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  });
  return {
    gateway: createAwsGateway({ clients }),
    clients,
    credentials,
    destroy: () => {
      clients.destroy();
      sts.destroy();
    },
  };
}
