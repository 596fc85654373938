import type { DisableAlarmActionsInput } from "@aws-sdk/client-cloudwatch";
import { disableAlarmActions } from "../../lib/alarms/set-alarm-state.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DisableAlarmActionsInput, {}>((input, { accountId, region }) => disableAlarmActions(accountId, region, input));
