import type { HandlerContext } from './behaviour.js';
import { AwsError } from './errors.js';
import type { QueryParams } from './protocol/query.js';
import { isoTime, type XmlObject } from './protocol/xml.js';
import type { RoleRecord } from './world.js';

export type StsHandler = (ctx: HandlerContext, p: QueryParams) => XmlObject;

const ROLE_ARN_RE = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;
/** Role chaining (a role session assuming a role) is capped at one hour by STS. */
const CHAINED_MAX_SECONDS = 3600;

function validationError(field: string, value: string | null, constraint: string): AwsError {
  const shown = value === null ? 'null' : `'${value}'`;
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function trusts(role: RoleRecord, ctx: HandlerContext): boolean {
  const p = ctx.principal;
  const principalArns = [p.arn, p.roleArn].filter((a): a is string => a !== undefined);
  if (role.trustedPrincipals?.some((t) => principalArns.includes(t))) return true;
  return role.trustedAccounts?.includes(p.accountId) ?? false;
}

interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  duration: number;
  externalId: string | undefined;
}

function assumeRole(ctx: HandlerContext, p: QueryParams): XmlObject {
  const request = assumeRoleRequest(p);
  const role = trustedRole(ctx, request);
  checkSessionDuration(ctx, role, request.duration);
  return startSession(ctx, role, request);
}

/** The parameters, validated in order: the first that fails is the error the caller sees. */
function assumeRoleRequest(p: QueryParams): AssumeRoleRequest {
  const roleArn = p.get('RoleArn');
  const sessionName = p.get('RoleSessionName');
  if (roleArn === undefined) throw validationError('roleArn', null, 'Member must not be null');
  if (sessionName === undefined) throw validationError('roleSessionName', null, 'Member must not be null');
  if (roleArn.length < 20 || roleArn.length > 2048) {
    throw validationError('roleArn', roleArn, 'Member must have length greater than or equal to 20');
  }
  validateSessionName(sessionName);
  const duration = p.int('DurationSeconds') ?? 3600;
  validateDuration(duration);
  const externalId = p.get('ExternalId');
  if (externalId !== undefined && (externalId.length < 2 || externalId.length > 1224)) {
    throw validationError('externalId', externalId, 'Member must have length greater than or equal to 2');
  }
  return { roleArn, sessionName, duration, externalId };
}

function validateSessionName(sessionName: string): void {
  if (sessionName.length < 2) {
    throw validationError(
      'roleSessionName',
      sessionName,
      'Member must have length greater than or equal to 2',
    );
  }
  if (sessionName.length > 64) {
    throw validationError('roleSessionName', sessionName, 'Member must have length less than or equal to 64');
  }
  if (!SESSION_NAME_RE.test(sessionName)) {
    throw validationError(
      'roleSessionName',
      sessionName,
      'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
    );
  }
}

function validateDuration(duration: number): void {
  if (duration < 900) {
    throw validationError(
      'durationSeconds',
      String(duration),
      'Member must have value greater than or equal to 900',
    );
  }
  if (duration > 43200) {
    throw validationError(
      'durationSeconds',
      String(duration),
      'Member must have value less than or equal to 43200',
    );
  }
}

function trustedRole(ctx: HandlerContext, { roleArn, externalId }: AssumeRoleRequest): RoleRecord {
  const denied = new AwsError(
    'AccessDenied',
    `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );
  const m = ROLE_ARN_RE.exec(roleArn);
  if (!m) throw new AwsError('ValidationError', `${roleArn} is invalid`);
  const role = ctx.world.accounts.get(m[1]!)?.roles.get(m[2]!);
  // A missing role, an untrusted caller and a wrong ExternalId look the same to the caller.
  if (!role || !trusts(role, ctx)) throw denied;
  if (role.externalId !== undefined && role.externalId !== externalId) throw denied;
  return role;
}

function checkSessionDuration(ctx: HandlerContext, role: RoleRecord, duration: number): void {
  const chained = ctx.principal.roleArn !== undefined;
  const max = chained ? CHAINED_MAX_SECONDS : (role.maxSessionDurationSeconds ?? 3600);
  if (duration > max) {
    throw new AwsError(
      'ValidationError',
      chained
        ? 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'
        : 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }
}

/** Issues temporary credentials for the role session and answers with them. */
function startSession(
  ctx: HandlerContext,
  role: RoleRecord,
  { sessionName, duration }: AssumeRoleRequest,
): XmlObject {
  const { world } = ctx;
  const lifetime = ctx.behaviour.sessionLifetimeSeconds ?? duration;
  const accessKeyId = world.ids.temporaryAccessKeyId();
  const secretAccessKey = world.ids.secretAccessKey();
  const sessionToken = world.ids.sessionToken();
  const expiresAt = ctx.now + lifetime * 1000;
  const assumedArn = `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`;
  const assumedRoleId = `${role.uniqueId}:${sessionName}`;
  world.credentials.set(accessKeyId, {
    secretAccessKey,
    sessionToken,
    expiresAt,
    principal: { accountId: role.accountId, arn: assumedArn, userId: assumedRoleId, roleArn: role.arn },
  });
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      SessionToken: sessionToken,
      Expiration: isoTime(expiresAt),
    },
    AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: assumedArn },
  };
}

function getCallerIdentity(ctx: HandlerContext): XmlObject {
  const { principal } = ctx;
  return { UserId: principal.userId, Account: principal.accountId, Arn: principal.arn };
}

export const STS_ACTIONS: Record<string, StsHandler> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
};
