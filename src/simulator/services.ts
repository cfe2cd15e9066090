/**
 * The three services behind the simulator's one port: their action tables, throttling and the
 * shape of a successful answer (EC2 and STS answer the query protocol in XML, KMS in JSON 1.1).
 */
import type { HandlerContext } from './behaviour.js';
import { EC2_ACTIONS } from './ec2.js';
import { AwsError } from './errors.js';
import { type Faults, throttlingError } from './faults.js';
import type { Service } from './identity.js';
import { KMS_ACTIONS } from './kms.js';
import type { QueryParams } from './protocol/query.js';
import { ec2Response, stsResponse } from './protocol/xml.js';
import { STS_ACTIONS } from './sts.js';
import type { World } from './world.js';

/** A request, once its service and action are known. */
export interface Routed {
  service: Service;
  action: string | undefined;
  query?: QueryParams;
  json?: Record<string, unknown>;
}

export interface ServiceCall {
  ctx: HandlerContext;
  routed: Routed;
  requestId: string;
  faults: Faults;
}

interface ServiceAnswers {
  contentType: string;
  /** The body of the successful answer, or undefined when the answer is deliberately lost. */
  answer(call: ServiceCall): string | undefined;
}

export const SERVICES: Record<Service, ServiceAnswers> = {
  kms: { contentType: 'application/x-amz-json-1.1', answer: kmsAnswer },
  sts: { contentType: 'text/xml', answer: stsAnswer },
  ec2: { contentType: 'text/xml;charset=UTF-8', answer: ec2Answer },
};

export function unknownAction(service: Service, action: string | undefined): AwsError {
  if (action === undefined || action === '') {
    return service === 'kms'
      ? new AwsError('UnknownOperationException', '')
      : new AwsError('MissingAction', 'The request must contain the parameter Action');
  }
  if (service === 'ec2')
    return new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
  if (service === 'sts')
    return new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  return new AwsError('UnknownOperationException', '');
}

function kmsAnswer({ ctx, routed, faults }: ServiceCall): string {
  const action = routed.action ?? '';
  const handler = KMS_ACTIONS[action];
  if (!handler) throw unknownAction('kms', routed.action);
  if (faults.shouldThrottle(action)) throw throttlingError('kms');
  return JSON.stringify(handler(ctx, routed.json ?? {}));
}

function stsAnswer({ ctx, routed, requestId, faults }: ServiceCall): string {
  const action = routed.action ?? '';
  const handler = STS_ACTIONS[action];
  if (!handler) throw unknownAction('sts', routed.action);
  if (faults.shouldThrottle(action)) throw throttlingError('sts');
  return stsResponse(action, requestId, handler(ctx, routed.query!));
}

function ec2Answer({ ctx, routed, requestId, faults }: ServiceCall): string | undefined {
  const action = routed.action ?? '';
  const handler = EC2_ACTIONS[action];
  if (!handler) throw unknownAction('ec2', routed.action);
  if (faults.shouldThrottle(action)) throw throttlingError('ec2');
  assertEc2Authorized(ctx.world, ctx.principal.accountId, action, routed.query);
  const out = ec2Response(action, requestId, handler(ctx, routed.query!));
  // The copy exists now; the caller never learns its ID (as when a connection dies mid-answer).
  if (action === 'CopySnapshot' && faults.takeDrop()) return undefined;
  return out;
}

function assertEc2Authorized(
  world: World,
  accountId: string,
  action: string,
  query: QueryParams | undefined,
): void {
  // Tags given at creation are authorised as ec2:CreateTags too (with ec2:CreateAction).
  const tagsOnCreate =
    (action === 'CopySnapshot' || action === 'CreateVolume') &&
    (query?.structs('TagSpecification').length ?? 0) > 0;
  if (world.isDenied(accountId, action) || (tagsOnCreate && world.isDenied(accountId, 'CreateTags'))) {
    throw new AwsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403);
  }
}
