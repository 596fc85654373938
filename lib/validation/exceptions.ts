/**
 * Operations whose recorded AWS answer to a broken model constraint differs
 * from the generic validation answer. AWS's answer wins; each entry says
 * where it was seen. The README lists the same.
 */
import { invalidParameterValue, logsError, type ServiceError } from "../errors.js";
import type { ServiceName } from "../runtime/operation.js";
import { queryPath, summarize, topMember, type Violation } from "./violation.js";

export interface OperationException {
  service: ServiceName;
  operations: string[];
  /** Where AWS's answer was seen. */
  source: string;
  /** A violation AWS does not raise (its handler judges the value itself). */
  waive?(violation: Violation): boolean;
  /** A violation AWS lists naming the member without echoing its value (`Value at 'p' failed ...`). */
  hide?(violation: Violation): boolean;
  /** AWS's answer for these violations (in model order), or undefined where the generic answer stands. */
  answer?(violations: Violation[]): ServiceError | undefined;
}

export const EXCEPTIONS: OperationException[] = [
  {
    // CloudWatch's own PutMetricData checks run before the generic ones and
    // answer InvalidParameterValue naming the awsQuery parameter.
    service: "cloudwatch",
    operations: ["PutMetricData"],
    source:
      "aws/amazon-cloudwatch-agent#240 (`The parameter MetricData.member.20.Dimensions.member.4.Value must be shorter than 257 characters.`, " +
      "InvalidParameterValue); aknostic/elasticsearch-cloudwatch#3 (`The collection MetricData must not have a size greater than 20.`)",
    answer(violations) {
      if (violations.some((v) => v.kind === "required")) return undefined; // MissingParameter, as everywhere
      for (const v of violations) {
        const path = queryPath(v.path);
        if (v.kind === "length" && v.of === "string" && v.bound === "max") {
          return invalidParameterValue(`The parameter ${path} must be shorter than ${v.limit! + 1} characters.`);
        }
        if (v.kind === "length" && v.of === "string" && v.bound === "min") {
          return invalidParameterValue(`The parameter ${path} must not be empty.`);
        }
        if (v.kind === "length" && v.of === "list" && v.bound === "max") {
          return invalidParameterValue(`The collection ${path} must not have a size greater than ${v.limit}.`);
        }
        if (v.kind === "enum" || v.kind === "range") {
          return invalidParameterValue(`The value ${v.shown} for parameter ${path} is invalid.`);
        }
      }
      return undefined;
    },
  },
  {
    // A name over 512 characters is answered by this message alone, whatever else is wrong.
    service: "logs",
    operations: ["CreateLogGroup", "CreateLogStream", "DeleteMetricFilter"],
    source:
      "AWS's answer to a 513-character logGroupName as recorded in issue 18, and localstack's AWS-recorded " +
      "test_logs_metric_filters.snapshot.json error-invalid-log-group-name (DeleteMetricFilter)",
    answer(violations) {
      const overLong = violations.some(
        (v) => v.kind === "length" && v.bound === "max" && v.limit === 512 && ["logGroupName", "logStreamName"].includes(topMember(v.path)!),
      );
      return overLong
        ? logsError("InvalidParameterException", "Invalid LogGroup or LogStream, both must have length less than or equal to 512.")
        : undefined;
    },
  },
  {
    // AWS names logGroupIdentifier but does not echo the value that broke its pattern (e.g. an ARN ending in ':*').
    service: "logs",
    operations: ["DescribeLogStreams", "GetLogEvents"],
    source:
      "moto's AWS-verified tests/test_logs/test_logs.py test_arn_formats_log_group_and_stream and test_get_log_events_using_arn: " +
      "`1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: ...`",
    hide: (v) => v.kind === "pattern" && topMember(v.path) === "logGroupIdentifier",
  },
  {
    // The data protection operations answer a broken constraint with ValidationException, the value shown,
    // although their model declares InvalidParameterException (seen for GetDataProtectionPolicy with a ':*' ARN;
    // Put and Delete are the same API's and taken to answer alike).
    service: "logs",
    operations: ["GetDataProtectionPolicy", "PutDataProtectionPolicy", "DeleteDataProtectionPolicy"],
    source:
      "cloudquery/cloudquery#10216: `api error ValidationException: 1 validation error detected: Value 'arn:aws:logs:us-east-2:…:log-group:…:*' " +
      "at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*`",
    answer: (violations) => logsError("ValidationException", summarize(violations)),
  },
  {
    // The ARN's form is the handlers' to judge: AWS answers ValidationException
    // `Invalid resourceArn`, not the model's pattern (logGroupNameFromResourceArn).
    service: "logs",
    operations: ["TagResource", "UntagResource", "ListTagsForResource"],
    source: "this project's Logs tagging operations as first built (commit 8e12d2e), kept; no public recording found",
    waive: (v) => v.kind === "pattern" && topMember(v.path) === "resourceArn",
  },
  {
    // AWS takes a metric namespace with ':' (CloudWatch's own namespaces allow it) although the
    // model's MetricNamespace pattern [^:*$]* forbids one.
    service: "logs",
    operations: ["PutMetricFilter", "DescribeMetricFilters"],
    source:
      "localstack's AWS-validated tests/aws/services/logs/test_logs_metric_filters.py test_put_metric_filter_with_special_namespace " +
      "(namespace `A.B-c_d/1#2:metricNamespace` put, then found by DescribeMetricFilters)",
    waive: (v) => v.kind === "pattern" && v.path.member === "metricNamespace",
  },
];

const byOperation = new Map<string, OperationException>();
for (const e of EXCEPTIONS) for (const op of e.operations) byOperation.set(`${e.service}.${op}`, e);

export const exceptionFor = (service: ServiceName, operation: string) => byOperation.get(`${service}.${operation}`);

/**
 * Enum sets whose order in AWS's message was seen and differs from the
 * model's: AWS prints its own set, not the model's list. By shape name.
 */
export const RECORDED_ENUM_ORDER: Record<string, string[]> = {
  // A CloudTrail record of AWS's answer to DescribeAlarms stateValue=INVALID_FOR_SUMMARY (quoted in a public
  // repository), and localstack's AWS-recorded snapshot of SetAlarmState with an invalid state.
  StateValue: ["INSUFFICIENT_DATA", "ALARM", "OK"],
  // AWS's answer to a bad outputFormat as recorded in issue 18.
  OutputFormat: ["w3c", "raw", "json", "plain", "parquet"],
};

/**
 * Structures whose member order in AWS's echo of a value was seen and differs
 * from the model's (AWS prints its own class's fields). By shape name.
 */
export const RECORDED_MEMBER_ORDER: Record<string, string[]> = {
  // localstack's AWS-recorded test_logs_metric_filters.snapshot.json error-too-many-transformations.
  MetricTransformation: ["metricName", "metricNamespace", "metricValue", "defaultValue", "unit", "dimensions"],
};
