import type { DeleteAlarmsInput } from "@aws-sdk/client-cloudwatch";
import { deleteAlarms } from "../../lib/alarms/delete-alarms.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DeleteAlarmsInput, {}>((input, { accountId, region }) => deleteAlarms(accountId, region, input));
