import type { DescribeAlarmHistoryInput, DescribeAlarmHistoryOutput } from "@aws-sdk/client-cloudwatch";
import { describeAlarmHistory } from "../../lib/alarms/describe-alarm-history.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DescribeAlarmHistoryInput, DescribeAlarmHistoryOutput>((input, { accountId, region }) => describeAlarmHistory(accountId, region, input));
