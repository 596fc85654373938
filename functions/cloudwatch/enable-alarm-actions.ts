import type { EnableAlarmActionsInput } from "@aws-sdk/client-cloudwatch";
import { enableAlarmActions } from "../../lib/alarms/set-alarm-state.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<EnableAlarmActionsInput, {}>((input, { accountId, region }) => enableAlarmActions(accountId, region, input));
