/**
 * Destinations (cross-account subscription targets): PutDestination,
 * DescribeDestinations, DeleteDestination, PutDestinationPolicy. One KV
 * record per destination in `cw-log-destinations`, key `{account}.d.{name}`.
 * A destination's access policy decides which other accounts may subscribe
 * to it (CloudWatch Logs user guide, "Cross-account log data sharing with
 * subscriptions": the policy's Principal AWS account ids and Action
 * logs:PutSubscriptionFilter on the destination's ARN).
 */
import type {
  DeleteDestinationRequest,
  DescribeDestinationsRequest,
  DescribeDestinationsResponse,
  Destination,
  PutDestinationPolicyRequest,
  PutDestinationRequest,
  PutDestinationResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import type { KV } from "nats";
import { logsError } from "../../errors.js";
import { deleteRecord, getRecord, keyToken, modifyRecord, putRecord, scanRecords } from "../../storage/kv.js";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import { invalidParameter } from "../errors.js";
import { requireJsonObject } from "../json-document.js";
import { parseLogsArn } from "../names.js";
import { paginate } from "../pagination.js";
import { targetOf } from "./delivery.js";

export interface DestinationRecord {
  destinationName: string;
  targetArn: string;
  roleArn: string;
  accessPolicy?: string;
  creationTime: number;
  tags?: Record<string, string>;
  region: string;
}


export const destinationsBucket = (): Promise<KV> => getBucket(BUCKETS.logDestinations);
const destinationKey = (accountId: string, name: string) => `${accountId}.d.${keyToken(name)}`;

const partitionOf = (region: string) => (region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws");
export const destinationArn = (region: string, accountId: string, name: string) =>
  `arn:${partitionOf(region)}:logs:${region}:${accountId}:destination:${name}`;

export const destinationNotFound = () => logsError("ResourceNotFoundException", "The specified destination does not exist.");

function toDestination(accountId: string, d: DestinationRecord): Destination {
  const out: Destination = { destinationName: d.destinationName, targetArn: d.targetArn, roleArn: d.roleArn };
  if (d.accessPolicy !== undefined) out.accessPolicy = d.accessPolicy;
  out.arn = destinationArn(d.region, accountId, d.destinationName);
  out.creationTime = d.creationTime;
  return out;
}

export async function getDestination(accountId: string, name: string): Promise<DestinationRecord | undefined> {
  return (await getRecord<DestinationRecord>(await destinationsBucket(), destinationKey(accountId, name)))?.value;
}

export async function putDestination(accountId: string, region: string, input: PutDestinationRequest): Promise<PutDestinationResponse> {
  // AWS checks the target (it must be a Kinesis or Firehose stream of the destination's account).
  const target = targetOf(input.targetArn!);
  if (!target || target.account !== accountId) throw invalidParameter(`Invalid targetArn: ${input.targetArn}`);
  const kv = await destinationsBucket();
  const key = destinationKey(accountId, input.destinationName!);
  const existing = await getRecord<DestinationRecord>(kv, key);
  const record: DestinationRecord = {
    destinationName: input.destinationName!,
    targetArn: input.targetArn!,
    roleArn: input.roleArn!,
    creationTime: existing?.value.creationTime ?? Date.now(),
    region,
  };
  if (existing?.value.accessPolicy !== undefined) record.accessPolicy = existing.value.accessPolicy;
  if (input.tags) record.tags = { ...input.tags };
  await putRecord(kv, key, record);
  return { destination: toDestination(accountId, record) };
}

export async function putDestinationPolicy(accountId: string, _region: string, input: PutDestinationPolicyRequest): Promise<{}> {
  requireJsonObject(input.accessPolicy!, "The access policy is not valid JSON.");
  const out = await modifyRecord<DestinationRecord>(await destinationsBucket(), destinationKey(accountId, input.destinationName!), (d) => ({
    ...d,
    accessPolicy: input.accessPolicy!,
  }));
  if (!out) throw destinationNotFound();
  return {};
}

export async function deleteDestination(accountId: string, _region: string, input: DeleteDestinationRequest): Promise<{}> {
  const kv = await destinationsBucket();
  const key = destinationKey(accountId, input.destinationName!);
  if (!(await getRecord(kv, key))) throw destinationNotFound();
  await deleteRecord(kv, key);
  return {};
}

export async function describeDestinations(accountId: string, _region: string, input: DescribeDestinationsRequest): Promise<DescribeDestinationsResponse> {
  const prefix = input.DestinationNamePrefix ?? "";
  const all = (await scanRecords<DestinationRecord>(await destinationsBucket(), `${accountId}.d.*`)).map((r) => r.value).filter((d) => d.destinationName.startsWith(prefix));
  const page = await paginate({
    operation: "DescribeDestinations",
    query: { prefix },
    candidates: all,
    key: (d) => [d.destinationName],
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (d) => toDestination(accountId, d),
  });
  const out: DescribeDestinationsResponse = { destinations: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

/**
 * Whether the destination's access policy lets `accountId` subscribe: a
 * statement with Effect Allow, a Principal AWS naming the account (its id,
 * `arn:aws:iam::{id}:root`, or `*`) and an Action covering
 * logs:PutSubscriptionFilter. The owner may always subscribe.
 */
export function policyAllows(ownerAccount: string, d: DestinationRecord, accountId: string): boolean {
  if (accountId === ownerAccount) return true;
  if (!d.accessPolicy) return false;
  let doc: any;
  try {
    doc = JSON.parse(d.accessPolicy);
  } catch {
    return false;
  }
  const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
  for (const st of list(doc.Statement) as any[]) {
    if (st?.Effect !== "Allow") continue;
    const actions = list(st.Action).map(String);
    if (!actions.some((a) => a === "*" || a === "logs:*" || a === "logs:PutSubscriptionFilter")) continue;
    const principals = st.Principal === "*" ? ["*"] : list(st.Principal?.AWS).map(String);
    if (principals.some((p) => p === "*" || p === accountId || p === `arn:aws:iam::${accountId}:root`)) return true;
  }
  return false;
}

/** A destination ARN as TagResource, UntagResource and ListTagsForResource take it. */
export const isDestinationArn = (resourceArn: string) => parseLogsArn(resourceArn)?.resourceType === "destination";

/** The caller's destination an ARN names; another account's or region's names nothing the caller has. */
function destinationKeyOfArn(accountId: string, region: string, resourceArn: string): string {
  const arn = parseLogsArn(resourceArn)!;
  if (arn.accountId !== accountId || arn.region !== region) throw destinationNotFound();
  return destinationKey(accountId, arn.resource);
}

/**
 * TagResource / UntagResource on a destination (localstack's AWS-recorded
 * test_logs_destinations.snapshot.json test_destination_tags): `change` gives the new tags, or throws
 * (tags.ts holds the 50-tag limit).
 */
export async function changeDestinationTags(
  accountId: string,
  region: string,
  resourceArn: string,
  change: (tags: Record<string, string>) => Record<string, string>,
): Promise<void> {
  const changed = await modifyRecord<DestinationRecord>(await destinationsBucket(), destinationKeyOfArn(accountId, region, resourceArn), (d) => ({ ...d, tags: change({ ...d.tags }) }));
  if (!changed) throw destinationNotFound();
}

export async function destinationTags(accountId: string, region: string, resourceArn: string): Promise<Record<string, string>> {
  const d = await getRecord<DestinationRecord>(await destinationsBucket(), destinationKeyOfArn(accountId, region, resourceArn));
  if (!d) throw destinationNotFound();
  return { ...d.value.tags };
}
