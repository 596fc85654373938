/** What a failed AWS SDK call surfaced, for assertions. */
export interface AwsFailure {
  /** The SDK's error class name. */
  name: string;
  /** The awsQuery code as each client surfaces it (query-compatible JSON/CBOR clients read x-amzn-query-error). */
  code: string;
  status: number | undefined;
  message: string;
  error: any;
}

/** Awaits a call that must fail and describes the failure. */
export async function awsFailure(p: Promise<unknown>): Promise<AwsFailure> {
  try {
    await p;
  } catch (e) {
    const error = e as any;
    return {
      name: error.name,
      code: error.Code ?? error.Error?.Code ?? error.name,
      status: error.$metadata?.httpStatusCode,
      message: error.message,
      error,
    };
  }
  throw new Error("expected the call to fail");
}
