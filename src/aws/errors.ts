/**
 * The one place where AWS errors become domain codes (STYLE habit 6). Everything above `aws/`
 * decides on `AwsError.code`, never on SDK exception names or HTTP statuses.
 */
import type { AwsErrorCode } from '../domain/types.js';

export class AwsError extends Error {
  override readonly name = 'AwsError';
  readonly code: AwsErrorCode;
  /** The AWS error code or Node error code behind it (`RequestLimitExceeded`, `ECONNRESET`). */
  readonly awsCode: string | undefined;
  /** Whether trying the same call again later can succeed without anyone changing anything. */
  readonly retryable: boolean;
  readonly requestId: string | undefined;

  constructor(
    code: AwsErrorCode,
    message: string,
    options: { awsCode?: string; retryable?: boolean; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.awsCode = options.awsCode;
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code);
    this.requestId = options.requestId;
  }
}

const RETRYABLE_CODES: ReadonlySet<AwsErrorCode> = new Set(['throttled', 'copy-limit', 'network']);

const BY_AWS_CODE: ReadonlyMap<string, AwsErrorCode> = new Map<string, AwsErrorCode>([
  ['RequestLimitExceeded', 'throttled'],
  ['Throttling', 'throttled'],
  ['ThrottlingException', 'throttled'],
  ['TooManyRequestsException', 'throttled'],
  ['RequestThrottled', 'throttled'],
  ['RequestThrottledException', 'throttled'],
  // EC2's answer when the account's concurrent snapshot copies per Region are exhausted (SPEC §6).
  ['ResourceLimitExceeded', 'copy-limit'],
  ['InvalidSnapshot.NotFound', 'not-found'],
  ['InvalidSnapshotID.Malformed', 'not-found'],
  ['InvalidVolume.NotFound', 'not-found'],
  ['NotFoundException', 'not-found'],
  ['UnauthorizedOperation', 'unauthorized'],
  ['AccessDenied', 'unauthorized'],
  ['AccessDeniedException', 'unauthorized'],
  ['AuthFailure', 'unauthorized'],
  ['InvalidClientTokenId', 'unauthorized'],
  ['UnrecognizedClientException', 'unauthorized'],
  ['SignatureDoesNotMatch', 'unauthorized'],
  ['ExpiredToken', 'unauthorized'],
  ['ExpiredTokenException', 'unauthorized'],
  // A Region not enabled for the account answers OptInRequired: the account cannot act there.
  ['OptInRequired', 'unauthorized'],
  // KMS: the key exists but cannot be used right now (disabled, pending deletion, unavailable).
  ['DisabledException', 'key-not-accessible'],
  ['KMSInvalidStateException', 'key-not-accessible'],
  ['KeyUnavailableException', 'key-not-accessible'],
  ['IncorrectState', 'incorrect-state'],
  // DeleteSnapshot of a snapshot under an unexpired lock (EBS snapshot lock).
  ['SnapshotLocked', 'locked'],
  ['InvalidSnapshot.Locked', 'locked'],
  ['InvalidVolumeID.Malformed', 'not-found'],
  ['InvalidZone.NotFound', 'invalid-parameter'],
  ['MissingParameter', 'invalid-parameter'],
  ['UnknownParameter', 'invalid-parameter'],
  ['ValidationError', 'invalid-parameter'],
  ['ValidationException', 'invalid-parameter'],
  ['InvalidArnException', 'invalid-parameter'],
]);

/** Node socket errors: the request may or may not have reached AWS. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const NETWORK_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Server-side failures: AWS asks callers to try again later, but there is no domain code for it. */
const SERVER_CODES: ReadonlySet<string> = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'KMSInternalException',
  'DependencyTimeoutException',
]);

interface Classified {
  code: AwsErrorCode;
  awsCode: string | undefined;
  retryable: boolean;
}

/** Maps an SDK exception, a Node network error or anything else thrown to a domain code. */
export function classifyAwsError(error: unknown): Classified {
  if (error instanceof AwsError)
    return { code: error.code, awsCode: error.awsCode, retryable: error.retryable };
  const shape = readShape(error);

  const nodeCode = shape.nodeCode;
  if ((nodeCode !== undefined && NETWORK_CODES.has(nodeCode)) || NETWORK_NAMES.has(shape.name ?? '')) {
    return { code: 'network', awsCode: nodeCode ?? shape.name, retryable: true };
  }
  if (shape.message !== undefined && /socket hang up|network socket disconnected/i.test(shape.message)) {
    return { code: 'network', awsCode: nodeCode ?? 'ECONNRESET', retryable: true };
  }

  // A bare `name` counts too: fakes and older SDK paths throw `{ name: 'ThrottlingException' }`.
  const candidate = shape.awsCode ?? shape.name;
  if (candidate !== undefined) {
    const mapped =
      BY_AWS_CODE.get(candidate) ??
      (candidate.startsWith('InvalidParameter') ? 'invalid-parameter' : undefined);
    if (mapped !== undefined)
      return { code: mapped, awsCode: candidate, retryable: RETRYABLE_CODES.has(mapped) };
    if (SERVER_CODES.has(candidate)) return { code: 'unknown', awsCode: candidate, retryable: true };
  }
  const awsCode = shape.awsCode;
  const serverFault = shape.fault === 'server' || (shape.httpStatus !== undefined && shape.httpStatus >= 500);
  return { code: 'unknown', awsCode: awsCode ?? nodeCode, retryable: serverFault || shape.sdkRetryable };
}

/**
 * Converts anything caught around an AWS call into an `AwsError`; `context` says what was being
 * done (`CopySnapshot in audit/us-west-2`) so the message stands on its own in logs and threads.
 */
export function asAwsError(error: unknown, context?: string): AwsError {
  if (error instanceof AwsError) return error;
  const { code, awsCode, retryable } = classifyAwsError(error);
  const shape = readShape(error);
  const detail = shape.message ?? String(error);
  const prefix = context === undefined ? '' : `${context}: `;
  const tag = awsCode !== undefined && !detail.includes(awsCode) ? `${awsCode}: ` : '';
  return new AwsError(code, `${prefix}${tag}${detail}`, {
    retryable,
    cause: error,
    ...(awsCode !== undefined ? { awsCode } : {}),
    ...(shape.requestId !== undefined ? { requestId: shape.requestId } : {}),
  });
}

/** Runs an AWS call and rethrows any failure as an `AwsError` carrying `context`. */
export async function mapAwsErrors<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asAwsError(error, context);
  }
}

/**
 * EBS reports a copy whose KMS key the destination cannot use only asynchronously: the new
 * snapshot goes to `error` with this StateMessage (SPEC §5.7). Matched loosely because AWS does not
 * document the exact wording as an API contract.
 */
const KEY_NOT_ACCESSIBLE_MESSAGE = /key id is not accessible|kms key .*not accessible|not accessible.*kms/i;

/** Domain code for a snapshot that went to `error`, from its StateMessage. */
export function snapshotFailureCode(stateMessage: string | undefined): AwsErrorCode {
  if (stateMessage !== undefined && KEY_NOT_ACCESSIBLE_MESSAGE.test(stateMessage))
    return 'key-not-accessible';
  return 'unknown';
}

interface ErrorShape {
  name: string | undefined;
  message: string | undefined;
  awsCode: string | undefined;
  nodeCode: string | undefined;
  fault: string | undefined;
  httpStatus: number | undefined;
  requestId: string | undefined;
  sdkRetryable: boolean;
}

/** Reads the fields SDK v3 exceptions carry (`name`, `Code`, `$fault`, `$metadata`, `$retryable`). */
function readShape(error: unknown): ErrorShape {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const metadata = (typeof e.$metadata === 'object' && e.$metadata !== null ? e.$metadata : {}) as Record<
    string,
    unknown
  >;
  const name = str(e.name);
  const isServiceException =
    e.$fault !== undefined || Object.keys(metadata).length > 0 || str(e.Code) !== undefined;
  // SDK service exceptions are named by their AWS error code; generic JS errors are not AWS codes.
  const awsCode = str(e.Code) ?? (isServiceException && name !== 'Error' ? name : undefined);
  const nodeCode = str(e.code);
  return {
    name,
    message: str(e.message) ?? (typeof error === 'string' ? error : undefined),
    awsCode,
    nodeCode,
    fault: str(e.$fault),
    httpStatus: typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined,
    requestId: str(metadata.requestId),
    sdkRetryable: typeof e.$retryable === 'object' && e.$retryable !== null,
  };
}
