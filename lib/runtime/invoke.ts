/**
 * How the front function reaches an operation function. The local runtime
 * registers every function of template.yaml here (in one process, like
 * `sam local`); a deployment without it would plug in Lambda Invoke.
 */
import type { Context } from "aws-lambda";

export type LambdaHandler = (event: any, context: Context) => Promise<any>;

const REGISTRY = Symbol.for("hive.cloudwatch.functions");
const registry = ((globalThis as any)[REGISTRY] ??= new Map<string, LambdaHandler>()) as Map<string, LambdaHandler>;

export function registerFunction(logicalId: string, handler: LambdaHandler): void {
  registry.set(logicalId, handler);
}

export function hasFunction(logicalId: string): boolean {
  return registry.has(logicalId);
}

export async function invokeFunction(logicalId: string, event: unknown, timeoutMs = 30_000): Promise<any> {
  const handler = registry.get(logicalId);
  if (!handler) throw new Error(`function ${logicalId} is not loaded`);
  return handler(event, lambdaContext(logicalId, timeoutMs));
}

export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
