import type { HandlerContext } from './behaviour.js';
import { AwsError } from './errors.js';

/** KMS speaks JSON 1.1: inputs and outputs are plain JSON objects. */
export type KmsHandler = (ctx: HandlerContext, input: Record<string, unknown>) => Record<string, unknown>;

function describeKey(ctx: HandlerContext, input: Record<string, unknown>): Record<string, unknown> {
  const ref = input['KeyId'];
  if (typeof ref !== 'string' || ref.length === 0) {
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  }
  const scope = { accountId: ctx.principal.accountId, region: ctx.region };
  const r = ctx.world.keys.resolve(ref, scope);
  if (!r.ok) {
    if (r.kind === 'alias') throw new AwsError('NotFoundException', `Alias ${r.reference} is not found.`);
    if (r.kind === 'key') throw new AwsError('NotFoundException', `Key '${r.reference}' does not exist`);
    throw new AwsError('NotFoundException', `Invalid keyId '${ref}'`);
  }
  const key = r.key;
  // A KMS endpoint only knows the keys of its own Region.
  if (key.region !== ctx.region) throw new AwsError('NotFoundException', `Key '${key.arn}' does not exist`);
  if (!ctx.world.keys.policyAllows(key, ctx.principal.accountId)) {
    throw new AwsError(
      'AccessDeniedException',
      `User: ${ctx.principal.arn} is not authorized to perform: kms:DescribeKey on resource: ${key.arn} ` +
        'because no resource-based policy allows the kms:DescribeKey action',
    );
  }
  return {
    KeyMetadata: {
      AWSAccountId: key.accountId,
      KeyId: key.keyId,
      Arn: key.arn,
      CreationDate: key.creationDate / 1000,
      Enabled: key.enabled,
      Description: key.description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: key.enabled ? 'Enabled' : 'Disabled',
      Origin: 'AWS_KMS',
      KeyManager: key.keyManager,
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    },
  };
}

export const KMS_ACTIONS: Record<string, KmsHandler> = {
  DescribeKey: describeKey,
};
