/**
 * GetLogGroupFields: the fields of a group's recent events and the percent
 * of events that hold each. As AWS documents it, the 8 minutes either side
 * of `time` are sampled, or the last 15 minutes when `time` is absent; at
 * most SAMPLE events are read.
 */
import type { GetLogGroupFieldsRequest, GetLogGroupFieldsResponse } from "@aws-sdk/client-cloudwatch-logs";
import { scanLogEvents } from "../events/scan.js";
import { invalidParameter } from "../errors.js";
import { requireLogGroup } from "../groups.js";
import { resolveLogGroupIdentifier } from "../names.js";
import { discoverFields } from "./discovered-fields.js";

const SAMPLE = 10_000;
const SYSTEM = ["@ingestionTime", "@log", "@logStream", "@message", "@timestamp"];

export async function getLogGroupFields(accountId: string, region: string, input: GetLogGroupFieldsRequest): Promise<GetLogGroupFieldsResponse> {
  if ((input.logGroupName === undefined) === (input.logGroupIdentifier === undefined))
    throw invalidParameter("Exactly one of logGroupName or logGroupIdentifier must be specified.");
  const name = input.logGroupName ?? resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
  await requireLogGroup(accountId, name);

  const [from, to] = input.time !== undefined ? [input.time * 1000 - 8 * 60_000, input.time * 1000 + 8 * 60_000] : [Date.now() - 15 * 60_000, Date.now() + 1];
  const counts = new Map<string, number>();
  let total = 0;
  scan: for await (const page of scanLogEvents(accountId, name, { startTime: from, endTime: to })) {
    for (const e of page) {
      total++;
      for (const [k] of discoverFields({ logGroup: e.logGroup, logStream: e.logStream, timestamp: e.timestamp, ingestionTime: e.ingestionTime, message: e.message, ptr: "", log: "" })) counts.set(k, (counts.get(k) ?? 0) + 1);
      if (total >= SAMPLE) break scan;
    }
  }
  const fields = [
    ...SYSTEM.map((n) => ({ name: n, percent: total ? 100 : 0 })),
    ...[...counts].map(([n, c]) => ({ name: n, percent: Math.round((c / total) * 100) })),
  ];
  fields.sort((a, b) => b.percent - a.percent || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { logGroupFields: fields };
}
