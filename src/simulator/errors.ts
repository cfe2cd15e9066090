/**
 * An AWS-style failure raised by a simulated operation. Handlers throw it; the protocol layer of
 * the service renders it (EC2 `<Response><Errors>`, STS `<ErrorResponse>`, KMS `__type` JSON).
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export function isAwsError(err: unknown): err is AwsError {
  return err instanceof AwsError;
}
