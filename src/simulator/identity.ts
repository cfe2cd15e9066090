import { AwsError } from './errors.js';
import type { Principal, World } from './world.js';

export type Service = 'ec2' | 'sts' | 'kms';

/** The credential scope of a SigV4 `Authorization` header: `Credential=AKID/date/region/service/aws4_request`. */
export interface SigV4Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

const CREDENTIAL_RE = /Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/;

export function parseAuthorization(header: string | undefined): SigV4Scope | undefined {
  if (!header?.startsWith('AWS4-HMAC-SHA256 ')) return undefined;
  const m = CREDENTIAL_RE.exec(header);
  if (!m) return undefined;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]! };
}

export type AuthFailure = 'missing' | 'invalid' | 'expired';

/**
 * Maps the access key to a principal. Signatures are not verified (the simulator is not a security
 * boundary); the key must exist, and temporary keys must come with their session token, unexpired.
 */
export function authenticate(
  world: World,
  scope: SigV4Scope | undefined,
  sessionToken: string | undefined,
  now: number,
): { ok: true; principal: Principal } | { ok: false; failure: AuthFailure } {
  if (!scope) return { ok: false, failure: 'missing' };
  const cred = world.credentials.get(scope.accessKeyId);
  if (!cred) return { ok: false, failure: 'invalid' };
  if (cred.sessionToken !== undefined && cred.sessionToken !== sessionToken)
    return { ok: false, failure: 'invalid' };
  if (cred.expiresAt !== undefined && now >= cred.expiresAt) return { ok: false, failure: 'expired' };
  return { ok: true, principal: cred.principal };
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';

/** Each service reports authentication failures with its own codes and HTTP statuses. */
export function authError(service: Service, failure: AuthFailure): AwsError {
  switch (service) {
    case 'ec2':
      if (failure === 'missing')
        return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 401);
      if (failure === 'expired') return new AwsError('RequestExpired', 'Request has expired.', 400);
      return new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
    case 'sts':
      if (failure === 'missing')
        return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      if (failure === 'expired') return new AwsError('ExpiredToken', EXPIRED_TOKEN, 400);
      return new AwsError('InvalidClientTokenId', INVALID_TOKEN, 403);
    case 'kms':
      if (failure === 'missing')
        return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      if (failure === 'expired') return new AwsError('ExpiredTokenException', EXPIRED_TOKEN, 400);
      return new AwsError('UnrecognizedClientException', INVALID_TOKEN, 400);
  }
}
