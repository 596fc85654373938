import type { DescribeAlarmsForMetricInput, DescribeAlarmsForMetricOutput } from "@aws-sdk/client-cloudwatch";
import { describeAlarmsForMetric } from "../../lib/alarms/describe-alarms.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DescribeAlarmsForMetricInput, DescribeAlarmsForMetricOutput>((input, { accountId, region }) => describeAlarmsForMetric(accountId, region, input));
