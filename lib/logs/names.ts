/**
 * Names, identifiers and ARNs of CloudWatch Logs resources: the rules on
 * them that the service model cannot state (lib/validation checks the rest),
 * AWS's ARN formats, and the KV keys their records live under. Other Logs code (PutLogEvents, GetLogEvents, filters) should use
 * `logGroupKey` / `logStreamKey` and `resolveLogGroupIdentifier` from here.
 */
import { createHash } from "node:crypto";
import { arn } from "../arn.js";
import { keyToken } from "../storage/kv.js";
import { invalidParameter, logGroupNotFound, validationException } from "./errors.js";

/** Tags a log group may have in all (the model bounds one request's, not the sum). */
export const MAX_TAGS = 50;

/** The retention periods PutRetentionPolicy accepts, in days: the model says only "integer". */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** AWS answers a retention outside the set in its validation words, as if the model had the enum. */
export function checkRetentionDays(days: number): void {
  if (!(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw invalidParameter(
      `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: ` +
        `Member must satisfy enum value set: [${RETENTION_DAYS.join(", ")}]`,
    );
  }
}

/** Names starting with `aws/` (any case) belong to AWS; `/aws/...` is fine. */
export function checkNotReserved(name: string): void {
  if (name.slice(0, 4).toLowerCase() === "aws/") throw invalidParameter("Log groups starting with AWS/ are reserved for AWS.");
}

// --- ARNs -------------------------------------------------------------------
/** `arn:aws:logs:{region}:{account}:log-group:{name}`: LogGroup.logGroupArn, and what tagging APIs take. */
export const logGroupArn = (region: string, accountId: string, name: string) =>
  arn({ service: "logs", region, accountId, resource: `log-group:${name}` });

/** LogGroup.arn: the log group ARN with `:*`, covering its streams (as IAM policies write it). */
export const logGroupWildcardArn = (region: string, accountId: string, name: string) =>
  `${logGroupArn(region, accountId, name)}:*`;

export const logStreamArn = (region: string, accountId: string, group: string, stream: string) =>
  `${logGroupArn(region, accountId, group)}:log-stream:${stream}`;

export interface LogsArn {
  partition: string;
  region: string;
  accountId: string;
  /** `log-group`, `destination`, ... */
  resourceType: string;
  /** The rest after `{type}:`. */
  resource: string;
}

export function parseLogsArn(arn: string): LogsArn | undefined {
  const m = /^arn:(aws[a-z-]*):logs:([a-z0-9-]+):(\d{12}):([a-z-]+):(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1], region: m[2], accountId: m[3], resourceType: m[4], resource: m[5] };
}

/**
 * A log group ARN as TagResource / UntagResource / ListTagsForResource take
 * it: `arn:aws:logs:{region}:{account}:log-group:{name}`, without `:*`. AWS
 * answers anything else with ValidationException "Invalid resourceArn" (also
 * the `:*` form DescribeLogGroups' `arn` has); an ARN of another account or
 * region names nothing the caller has.
 */
export function logGroupNameFromResourceArn(arn: string, accountId: string, region: string): string {
  const parsed = parseLogsArn(arn);
  if (!parsed || parsed.resourceType !== "log-group") {
    throw validationException("Invalid resourceArn");
  }
  const name = parsed.resource;
  if (name.length > 512 || !/^[\.\-_/#A-Za-z0-9]+$/.test(name)) throw validationException("Invalid resourceArn");
  if (parsed.accountId !== accountId || parsed.region !== region) throw logGroupNotFound();
  return name;
}

/**
 * `logGroupIdentifier`: a log group name, or its ARN (without `:*`: the
 * identifier's pattern refuses that form before this is reached).
 * A log group of another account (no cross-account observability here) or
 * another region does not exist for the caller.
 */
export function resolveLogGroupIdentifier(identifier: string, accountId: string, region: string): string {
  if (!identifier.startsWith("arn:")) return identifier;
  const parsed = parseLogsArn(identifier);
  // A name cannot hold ':', so an ARN that is not a log group's names no log group.
  if (!parsed || parsed.resourceType !== "log-group") throw logGroupNotFound();
  if (parsed.accountId !== accountId || parsed.region !== region) throw logGroupNotFound();
  return parsed.resource;
}

// --- KV keys (docs/formats/kv-keys.md) ---------------------------------------
/**
 * A name's key token, short enough for a NATS subject: `$KV.{bucket}.{key}`
 * travels in a protocol line of at most 4 KB, and an escaped 512-character
 * name can be 6 KB. A token longer than LONG_TOKEN becomes `=H{sha256}`; no
 * escaped name can look like that (escapes are `=` and two hex digits), and
 * the record keeps the name for listings.
 */
const LONG_TOKEN = 1024;
export function nameToken(name: string): string {
  const token = keyToken(name);
  return token.length <= LONG_TOKEN ? token : `=H${createHash("sha256").update(name, "utf8").digest("hex")}`;
}

/** Whether a token is a hashed one, so the name must be read from the record. */
export const isHashedToken = (token: string) => token.startsWith("=H");

/** Key of a log group's record in BUCKETS.logGroups. */
export const logGroupKey = (accountId: string, group: string) => `${accountId}.${nameToken(group)}`;

/** Key of a log stream's record in BUCKETS.logStreams. */
export const logStreamKey = (accountId: string, group: string, stream: string) =>
  `${accountId}.${nameToken(group)}.${nameToken(stream)}`;

/** Filter matching every stream key of a log group. */
export const logStreamsFilter = (accountId: string, group: string) => `${accountId}.${nameToken(group)}.*`;

/** Filter matching every log group key of an account. */
export const logGroupsFilter = (accountId: string) => `${accountId}.*`;
