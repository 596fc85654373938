import type { DescribeAlarmsInput, DescribeAlarmsOutput } from "@aws-sdk/client-cloudwatch";
import { describeAlarms } from "../../lib/alarms/describe-alarms.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DescribeAlarmsInput, DescribeAlarmsOutput>((input, { accountId, region }) => describeAlarms(accountId, region, input));
