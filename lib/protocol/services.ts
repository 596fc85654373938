/**
 * The services, described by the official SDK schemas: every operation and
 * error shape comes from `@aws-sdk/client-cloudwatch`,
 * `@aws-sdk/client-cloudwatch-logs` and `@aws-sdk/client-sts`, so no operation
 * is hand-described here. STS is served for GetCallerIdentity alone (tools ask
 * who they are before anything else); its other operations answer NotImplemented.
 */
import * as cloudwatchModel from "@aws-sdk/client-cloudwatch";
import * as logsModel from "@aws-sdk/client-cloudwatch-logs";
import * as stsModel from "@aws-sdk/client-sts";
import { NormalizedSchema } from "@smithy/core/schema";
import type { ServiceName } from "../runtime/operation.js";

export interface OperationModel {
  name: string;
  input: NormalizedSchema;
  output: NormalizedSchema;
}

export interface ErrorModel {
  /** Shape name, e.g. DashboardNotFoundError. */
  shape: string;
  /** The code clients see: the awsQuery code where there is one, else the shape name. */
  code: string;
  status: number;
  /** The error structure, for encoding members beyond the message. */
  schema: NormalizedSchema;
}

export interface ServiceModel {
  name: ServiceName;
  /** Smithy namespace, e.g. com.amazonaws.cloudwatch. */
  namespace: string;
  /** The namespace of a JSON or CBOR error's `__type`, where the service's own differs from the model's. */
  errorNamespace?: string;
  /** X-Amz-Target prefix and rpc-v2-cbor service segment. */
  target: string;
  /** SigV4 signing name. */
  signingName: string;
  /** awsQuery: API version and XML namespace. */
  version?: string;
  xmlNamespace?: string;
  jsonVersion: "1.0" | "1.1";
  /** CloudWatch JSON and CBOR clients read error codes from `x-amzn-query-error`. */
  queryCompatible: boolean;
  operations: Map<string, OperationModel>;
  /** By client-visible code and by shape name. */
  errors: Map<string, ErrorModel>;
}

type SchemaTuple = [number, string, string, ...unknown[]];
const isTuple = (v: unknown, kind: number): v is SchemaTuple => Array.isArray(v) && v[0] === kind;

function describe(module: Record<string, unknown>, base: Omit<ServiceModel, "operations" | "errors">): ServiceModel {
  const operations = new Map<string, OperationModel>();
  const errors = new Map<string, ErrorModel>();
  for (const [key, value] of Object.entries(module)) {
    if (!key.endsWith("$")) continue;
    if (isTuple(value, 9) && value[1] === base.namespace) {
      const [, , name, , input, output] = value as [number, string, string, unknown, () => unknown, () => unknown];
      operations.set(name, {
        name,
        input: NormalizedSchema.of(input as any),
        output: NormalizedSchema.of(output as any),
      });
    } else if (isTuple(value, -3) && value[1] === base.namespace) {
      const traits = (value[3] ?? {}) as { awsQueryError?: [string, number]; httpError?: number; error?: string };
      const shape = value[2];
      const code = traits.awsQueryError?.[0] ?? shape;
      const status = traits.awsQueryError?.[1] ?? traits.httpError ?? (traits.error === "server" ? 500 : 400);
      const model = { shape, code, status, schema: NormalizedSchema.of(value as any) };
      errors.set(code, model);
      errors.set(shape, model);
    }
  }
  return { ...base, operations, errors };
}

export const CLOUDWATCH: ServiceModel = describe(cloudwatchModel as Record<string, unknown>, {
  name: "cloudwatch",
  namespace: "com.amazonaws.cloudwatch",
  // localstack's AWS-recorded test_exception_serializing_with_no_shape_in_spec: "com.amazonaws.cloudwatch.v2010_08_01#ResourceNotFound".
  errorNamespace: "com.amazonaws.cloudwatch.v2010_08_01",
  target: "GraniteServiceVersion20100801",
  signingName: "monitoring",
  version: "2010-08-01",
  xmlNamespace: "http://monitoring.amazonaws.com/doc/2010-08-01/",
  jsonVersion: "1.0",
  queryCompatible: true,
});

export const LOGS: ServiceModel = describe(logsModel as Record<string, unknown>, {
  name: "logs",
  namespace: "com.amazonaws.cloudwatchlogs",
  target: "Logs_20140328",
  signingName: "logs",
  jsonVersion: "1.1",
  queryCompatible: false,
});

/** awsQuery only, as the SDK's protocolSettings for STS say (target named for completeness). */
export const STS: ServiceModel = describe(stsModel as Record<string, unknown>, {
  name: "sts",
  namespace: "com.amazonaws.sts",
  target: "AWSSecurityTokenServiceV20110615",
  signingName: "sts",
  version: "2011-06-15",
  xmlNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
  jsonVersion: "1.0",
  queryCompatible: true,
});

export const SERVICES = [CLOUDWATCH, LOGS, STS];
