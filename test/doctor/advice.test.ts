import { describe, expect, it } from 'vitest';
import { AwsError } from '../../src/aws/errors.js';
import { explainAssumeRole, explainDescribeSnapshots } from '../../src/doctor/advice.js';
import type { AccountConfig } from '../../src/domain/types.js';

const account: AccountConfig = {
  alias: 'prod',
  id: '111111111111',
  roleArn: 'arn:aws:iam::111111111111:role/snapshot-copy-bot',
  regions: ['us-east-1'],
  default: true,
  kmsKeys: {},
};

function missingCredentials(): Error {
  const error = new Error('Could not load credentials from any providers');
  error.name = 'CredentialsProviderError';
  return error;
}

describe('doctor advice', () => {
  it("points at the SDK credential chain when the bot's own credentials are missing", () => {
    const wrapped = new AwsError('role-unavailable', 'AssumeRole arn:…: Could not load credentials', {
      cause: missingCredentials(),
    });
    const detail = explainAssumeRole(wrapped, account);
    expect(detail).toContain('role-unavailable assuming arn:aws:iam::111111111111:role/snapshot-copy-bot');
    expect(detail).toContain('Could not load credentials from any providers');
    expect(detail).toContain("the bot's own AWS credentials were not found");
    expect(detail).not.toContain('trust policy');
  });

  it('says the error came from the own credentials for an account without roleArn', () => {
    const { roleArn: _, ...own } = account;
    const detail = explainAssumeRole(missingCredentials(), own);
    expect(detail).toContain("(the bot's own credentials, no roleArn)");
    expect(detail).toContain('AWS_PROFILE');
  });

  it('blames the network, not IAM, for a connection failure', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const detail = explainDescribeSnapshots(refused);
    expect(detail).toContain('ECONNREFUSED');
    expect(detail).toContain('AWS could not be reached');
    expect(detail).not.toContain('ec2:DescribeSnapshots');
  });

  it('names the missing EC2 permission for UnauthorizedOperation', () => {
    const denied = Object.assign(new Error('You are not authorized to perform this operation.'), {
      name: 'UnauthorizedOperation',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect(explainDescribeSnapshots(denied)).toBe(
      'UnauthorizedOperation: You are not authorized to perform this operation. — ' +
        "allow ec2:DescribeSnapshots in the role's policy (the bot checks sources and polls copies with it)",
    );
  });
});
