import type { PutCompositeAlarmInput } from "@aws-sdk/client-cloudwatch";
import { putCompositeAlarm } from "../../lib/alarms/put-composite-alarm.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutCompositeAlarmInput, {}>((input, { accountId, region }) => putCompositeAlarm(accountId, region, input));
