import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { KMSInvalidStateException, KMSServiceException, NotFoundException } from '@aws-sdk/client-kms';
import { ExpiredTokenException, STSServiceException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import {
  AwsError,
  asAwsError,
  classifyAwsError,
  mapAwsErrors,
  snapshotFailureCode,
} from '../../src/aws/errors.js';
import type { AwsErrorCode } from '../../src/domain/types.js';

const metadata = { httpStatusCode: 400, requestId: 'req-123' };

function ec2(name: string, fault: 'client' | 'server' = 'client', httpStatusCode = 400): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: fault,
    $metadata: { ...metadata, httpStatusCode },
    message: `${name} happened`,
  });
}

function nodeError(message: string, code?: string, name?: string): Error {
  const error = new Error(message);
  if (code !== undefined) Object.assign(error, { code });
  if (name !== undefined) error.name = name;
  return error;
}

const table: Array<[string, unknown, AwsErrorCode, boolean]> = [
  ['EC2 RequestLimitExceeded', ec2('RequestLimitExceeded', 'client', 503), 'throttled', true],
  [
    'STS Throttling',
    new STSServiceException({ name: 'Throttling', $fault: 'client', $metadata: metadata }),
    'throttled',
    true,
  ],
  [
    'KMS ThrottlingException',
    new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: metadata }),
    'throttled',
    true,
  ],
  ['EC2 ResourceLimitExceeded', ec2('ResourceLimitExceeded'), 'copy-limit', true],
  ['EC2 InvalidSnapshot.NotFound', ec2('InvalidSnapshot.NotFound'), 'not-found', false],
  ['EC2 InvalidSnapshotID.Malformed', ec2('InvalidSnapshotID.Malformed'), 'not-found', false],
  [
    'KMS NotFoundException',
    new NotFoundException({ $metadata: metadata, message: 'Alias not found' }),
    'not-found',
    false,
  ],
  ['EC2 UnauthorizedOperation', ec2('UnauthorizedOperation', 'client', 403), 'unauthorized', false],
  [
    'STS AccessDenied',
    new STSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: metadata }),
    'unauthorized',
    false,
  ],
  [
    'KMS AccessDeniedException',
    new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: metadata }),
    'unauthorized',
    false,
  ],
  ['EC2 AuthFailure', ec2('AuthFailure', 'client', 401), 'unauthorized', false],
  [
    'STS ExpiredTokenException',
    new ExpiredTokenException({ $metadata: metadata, message: 'expired' }),
    'unauthorized',
    false,
  ],
  [
    'KMS KMSInvalidStateException',
    new KMSInvalidStateException({ $metadata: metadata, message: 'pending deletion' }),
    'key-not-accessible',
    false,
  ],
  ['EC2 IncorrectState', ec2('IncorrectState'), 'incorrect-state', false],
  ['EC2 InvalidParameterValue', ec2('InvalidParameterValue'), 'invalid-parameter', false],
  ['EC2 InvalidParameterCombination', ec2('InvalidParameterCombination'), 'invalid-parameter', false],
  ['EC2 InvalidParameter', ec2('InvalidParameter'), 'invalid-parameter', false],
  ['ECONNRESET', nodeError('read ECONNRESET', 'ECONNRESET'), 'network', true],
  ['ECONNREFUSED', nodeError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'network', true],
  ['socket hang up', nodeError('socket hang up'), 'network', true],
  [
    'SDK TimeoutError',
    nodeError('Connection timed out after 5000 ms', undefined, 'TimeoutError'),
    'network',
    true,
  ],
  ['ETIMEDOUT', nodeError('connect ETIMEDOUT', 'ETIMEDOUT'), 'network', true],
  ['EC2 InternalError (server fault)', ec2('InternalError', 'server', 500), 'unknown', true],
  ['an unmapped 503', ec2('SomethingNew', 'server', 503), 'unknown', true],
  ['an unmapped client error', ec2('SomethingNew'), 'unknown', false],
  ['a plain Error', new Error('boom'), 'unknown', false],
  ['a thrown string', 'boom', 'unknown', false],
  ['null', null, 'unknown', false],
];

describe('classifyAwsError', () => {
  it.each(table)('maps %s', (_name, error, code, retryable) => {
    expect(classifyAwsError(error)).toMatchObject({ code, retryable });
  });
});

describe('asAwsError', () => {
  it('keeps the AWS code, request ID and cause, and prefixes the context', () => {
    const cause = new EC2ServiceException({
      name: 'ResourceLimitExceeded',
      $fault: 'client',
      $metadata: metadata,
      message: 'You have reached the limit of concurrent snapshot copies',
    });
    const error = asAwsError(cause, 'CopySnapshot in audit (222222222222) us-west-2');
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({
      code: 'copy-limit',
      awsCode: 'ResourceLimitExceeded',
      retryable: true,
      requestId: 'req-123',
      cause,
      message:
        'CopySnapshot in audit (222222222222) us-west-2: ResourceLimitExceeded: You have reached the limit of concurrent snapshot copies',
    });
  });

  it('does not repeat an AWS code the message already names', () => {
    expect(asAwsError(nodeError('read ECONNRESET', 'ECONNRESET')).message).toBe('read ECONNRESET');
  });

  it('passes an AwsError through unchanged', () => {
    const original = new AwsError('role-unavailable', 'nope');
    expect(asAwsError(original, 'ignored context')).toBe(original);
  });

  it('maps what a wrapped call throws', async () => {
    await expect(
      mapAwsErrors('DescribeSnapshots in prod', () => Promise.reject(ec2('InvalidSnapshot.NotFound'))),
    ).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/^DescribeSnapshots in prod: /),
    });
  });
});

describe('snapshotFailureCode', () => {
  it.each([
    ['Given key ID is not accessible', 'key-not-accessible'],
    ['given key id is not accessible.', 'key-not-accessible'],
    ['Internal error', 'unknown'],
    [undefined, 'unknown'],
  ] as const)('reads %j as %s', (message, code) => {
    expect(snapshotFailureCode(message)).toBe(code);
  });
});
