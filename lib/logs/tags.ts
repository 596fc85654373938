/**
 * Tags of log groups, by name (TagLogGroup, UntagLogGroup, ListTagsLogGroup;
 * deprecated by AWS but still used) and by ARN (TagResource, UntagResource,
 * ListTagsForResource). Both kinds read and write the same map on the
 * group's record, changed atomically. ARNs of lookup tables and destinations
 * reach those resources' own tags.
 */
import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  ListTagsLogGroupRequest,
  ListTagsLogGroupResponse,
  TagLogGroupRequest,
  TagResourceRequest,
  UntagLogGroupRequest,
  UntagResourceRequest,
} from "@aws-sdk/client-cloudwatch-logs";
import { invalidParameter, tooManyTags } from "./errors.js";
import { modifyLogGroup, requireLogGroup, type LogGroupRecord } from "./group-records.js";
import { logGroupNameFromResourceArn, MAX_TAGS } from "./names.js";
import { changeLookupTableTags, isLookupTableArn, lookupTableTags } from "./lookup-tables/table-store.js";
import { changeDestinationTags, destinationTags, isDestinationArn } from "./subscriptions/destinations.js";

/** Merges `tags` in; `onTooMany` is the error when the result would exceed 50 tags. */
function addTags(g: LogGroupRecord, tags: Record<string, string>, onTooMany: () => Error): LogGroupRecord | undefined {
  const merged = { ...g.tags, ...tags };
  if (Object.keys(merged).length > MAX_TAGS) throw onTooMany();
  const changed = Object.entries(tags).some(([k, v]) => g.tags[k] !== v);
  return changed ? { ...g, tags: merged } : undefined;
}

function removeTags(g: LogGroupRecord, keys: string[]): LogGroupRecord | undefined {
  if (!keys.some((k) => k in g.tags)) return undefined;
  const tags = { ...g.tags };
  for (const k of keys) delete tags[k];
  return { ...g, tags };
}

// --- by name --------------------------------------------------------------------
export async function tagLogGroup(accountId: string, _region: string, input: TagLogGroupRequest): Promise<{}> {
  await modifyLogGroup(accountId, input.logGroupName!, (g) =>
    addTags(g, input.tags!, () => invalidParameter("A resource can have no more than 50 tags.")),
  );
  return {};
}

export async function untagLogGroup(accountId: string, _region: string, input: UntagLogGroupRequest): Promise<{}> {
  await modifyLogGroup(accountId, input.logGroupName!, (g) => removeTags(g, input.tags!));
  return {};
}

export async function listTagsLogGroup(accountId: string, _region: string, input: ListTagsLogGroupRequest): Promise<ListTagsLogGroupResponse> {
  const g = await requireLogGroup(accountId, input.logGroupName!);
  return { tags: { ...g.tags } };
}

// --- by ARN -----------------------------------------------------------------------
/** Resources other than log groups an ARN may name, each keeping its tags on its own record. */
const OTHER_RESOURCES = [
  { is: isLookupTableArn, change: changeLookupTableTags, read: lookupTableTags },
  { is: isDestinationArn, change: changeDestinationTags, read: destinationTags },
];
const otherResource = (arn: string) => OTHER_RESOURCES.find((r) => r.is(arn));

/** Changes another resource's tags, refusing more than 50 as for a group. */
function changeOtherTags(accountId: string, region: string, arn: string, change: (tags: Record<string, string>) => Record<string, string>): Promise<void> | undefined {
  return otherResource(arn)?.change(accountId, region, arn, (t) => {
    const tags = change(t);
    if (Object.keys(tags).length > MAX_TAGS) throw tooManyTags(arn);
    return tags;
  });
}

export async function tagResource(accountId: string, region: string, input: TagResourceRequest): Promise<{}> {
  const arn = input.resourceArn!;
  const other = changeOtherTags(accountId, region, arn, (t) => ({ ...t, ...input.tags }));
  if (other) return other.then(() => ({}));
  const name = logGroupNameFromResourceArn(arn, accountId, region);
  await modifyLogGroup(accountId, name, (g) => addTags(g, input.tags!, () => tooManyTags(arn)));
  return {};
}

export async function untagResource(accountId: string, region: string, input: UntagResourceRequest): Promise<{}> {
  const other = changeOtherTags(accountId, region, input.resourceArn!, (t) => Object.fromEntries(Object.entries(t).filter(([k]) => !input.tagKeys!.includes(k))));
  if (other) return other.then(() => ({}));
  const name = logGroupNameFromResourceArn(input.resourceArn!, accountId, region);
  await modifyLogGroup(accountId, name, (g) => removeTags(g, input.tagKeys!));
  return {};
}

export async function listTagsForResource(
  accountId: string,
  region: string,
  input: ListTagsForResourceRequest,
): Promise<ListTagsForResourceResponse> {
  const other = otherResource(input.resourceArn!);
  if (other) return { tags: await other.read(accountId, region, input.resourceArn!) };
  const name = logGroupNameFromResourceArn(input.resourceArn!, accountId, region);
  const g = await requireLogGroup(accountId, name);
  return { tags: { ...g.tags } };
}
