/**
 * @ptr and GetLogRecord. A pointer names the log group and the event id; the
 * account is the caller's, so a pointer never reaches another account's
 * events. GetLogRecord answers every field of the event, timestamps as epoch
 * milliseconds (as AWS's GetLogRecord shows @timestamp and @ingestionTime).
 */
import type { GetLogRecordRequest, GetLogRecordResponse } from "@aws-sdk/client-cloudwatch-logs";
import { logsError } from "../../errors.js";
import { getLogEvent } from "../events/scan.js";
import { invalidParameter } from "../errors.js";
import { getLogGroup } from "../groups.js";
import { discoverFields } from "./discovered-fields.js";
import { toText } from "./values.js";

const PTR_VERSION = "1";

export function encodePtr(logGroup: string, eventId: string): string {
  return Buffer.from(`${PTR_VERSION}\n${logGroup}\n${eventId}`).toString("base64url");
}

export function decodePtr(ptr: string): { logGroup: string; eventId: string } | undefined {
  const parts = Buffer.from(ptr, "base64url").toString("utf8").split("\n");
  if (parts.length !== 3 || parts[0] !== PTR_VERSION || !parts[1] || !parts[2]) return undefined;
  return { logGroup: parts[1], eventId: parts[2] };
}

export async function getLogRecord(accountId: string, input: GetLogRecordRequest): Promise<GetLogRecordResponse> {
  const ptr = decodePtr(input.logRecordPointer!);
  if (!ptr) throw invalidParameter("The specified logRecordPointer is invalid.");
  const notFound = () => logsError("ResourceNotFoundException", "The specified log record does not exist.");
  if (!(await getLogGroup(accountId, ptr.logGroup))) throw notFound();
  const e = await getLogEvent(accountId, ptr.logGroup, ptr.eventId);
  if (!e) throw notFound();
  const logRecord: Record<string, string> = {
    "@ingestionTime": String(e.ingestionTime),
    "@log": `${accountId}:${e.logGroup}`,
    "@logStream": e.logStream,
    "@message": e.message,
    "@timestamp": String(e.timestamp),
  };
  const fields = discoverFields({ ...e, ptr: input.logRecordPointer!, log: logRecord["@log"] });
  for (const [k, v] of fields) {
    const text = toText(v);
    if (text !== null && !(k in logRecord)) logRecord[k] = text;
  }
  return { logRecord };
}
