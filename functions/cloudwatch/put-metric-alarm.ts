import type { PutMetricAlarmInput } from "@aws-sdk/client-cloudwatch";
import { putMetricAlarm } from "../../lib/alarms/put-metric-alarm.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutMetricAlarmInput, {}>((input, { accountId, region }) => putMetricAlarm(accountId, region, input));
