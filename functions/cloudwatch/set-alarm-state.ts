import type { SetAlarmStateInput } from "@aws-sdk/client-cloudwatch";
import { setAlarmState } from "../../lib/alarms/set-alarm-state.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<SetAlarmStateInput, {}>((input, { accountId, region }) => setAlarmState(accountId, region, input));
