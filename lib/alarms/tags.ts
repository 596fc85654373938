/**
 * TagResource, UntagResource and ListTagsForResource for CloudWatch's taggable
 * resources here: metric and composite alarms
 * (`arn:aws:cloudwatch:{region}:{account}:alarm:{name}`), dashboards
 * (`arn:aws:cloudwatch::{account}:dashboard/{name}`), Contributor Insights
 * rules (`arn:aws:cloudwatch:{region}:{account}:insight-rule/{name}`) and metric
 * streams (`arn:aws:cloudwatch:{region}:{account}:metric-stream/{name}`). An ARN of another
 * account or region is not found, as an ARN naming nothing is: one tenant
 * cannot learn of, or tag, another's resources. Listing the tags of one's own
 * alarm that is gone answers none, as AWS does. At most 50 tags a resource.
 */
import type {
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
  Tag,
  TagResourceInput,
  UntagResourceInput,
} from "@aws-sdk/client-cloudwatch";
import { cloudwatchError, invalidParameterValue } from "../errors.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { getRecord, modifyRecord, recordKey } from "../storage/kv.js";
import type { DashboardRecord } from "../dashboards/dashboards.js";
import { nameFromArn } from "./alarm.js";
import { getAlarm, modifyAlarm } from "./store.js";
import { getInsightRule, insightRuleArn, modifyInsightRule } from "../contributor-insights/rules.js";
import { checkTags, TAGS_MAX } from "./validate.js";
import { getStream, metricStreamArn, modifyStream, storable } from "../metric-streams/metric-stream.js";

type Target = { kind: "alarm" | "dashboard" | "insight-rule" | "metric-stream"; name: string };

const notFound = (arn: string) => cloudwatchError("ResourceNotFoundException", `The specified resource ${arn} does not exist.`);

function targetOf(arn: string, account: string, region: string): Target {
  if (!/^arn:[^:]+:cloudwatch:/.test(arn)) throw invalidParameterValue(`Invalid ARN: ${arn}`);
  const alarm = nameFromArn(arn, region, account);
  if (alarm !== undefined) return { kind: "alarm", name: alarm };
  const dashboard = `arn:aws:cloudwatch::${account}:dashboard/`;
  if (arn.startsWith(dashboard)) return { kind: "dashboard", name: arn.slice(dashboard.length) };
  const rule = insightRuleArn(account, region, "");
  if (arn.startsWith(rule)) return { kind: "insight-rule", name: arn.slice(rule.length) };
  const stream = metricStreamArn(account, region, "");
  if (arn.startsWith(stream) && storable(arn.slice(stream.length))) return { kind: "metric-stream", name: arn.slice(stream.length) };
  throw notFound(arn);
}

/** Tags with `add` merged in (a key given again takes the new value). */
function merged(tags: Tag[], add: Tag[]): Tag[] {
  const map = new Map(tags.map((t) => [t.Key!, t.Value!]));
  for (const t of add) map.set(t.Key!, t.Value!);
  return [...map].map(([Key, Value]) => ({ Key, Value }));
}

function tooMany(count: number): never {
  throw invalidParameterValue(`A resource can have at most ${TAGS_MAX} tags; this request would leave it with ${count}.`);
}

async function changeTags(account: string, region: string, arn: string, change: (tags: Tag[]) => Tag[]): Promise<void> {
  const target = targetOf(arn, account, region);
  if (target.kind === "alarm") {
    const r = await modifyAlarm(account, region, target.name, (a) => ({ ...a, tags: change(a.tags) }));
    if (!r) throw notFound(arn);
    return;
  }
  if (target.kind === "insight-rule") {
    if (!(await modifyInsightRule(account, region, target.name, (r) => ({ ...r, tags: change(r.tags ?? []) })))) throw notFound(arn);
    return;
  }
  if (target.kind === "metric-stream") {
    if (!(await modifyStream(account, region, target.name, (s) => ({ ...s, tags: change(s.tags) })))) throw notFound(arn);
    return;
  }
  const kv = await getBucket(BUCKETS.dashboards);
  const r = await modifyRecord<DashboardRecord>(kv, recordKey(account, target.name), (d) => ({ ...d, tags: change(d.tags ?? []) }));
  if (!r) throw notFound(arn);
}

export async function tagResource(account: string, region: string, input: TagResourceInput): Promise<{}> {
  // The stage answered the required members and each tag's lengths from the model.
  checkTags(input.Tags);
  await changeTags(account, region, input.ResourceARN!, (tags) => {
    const next = merged(tags, input.Tags!);
    if (next.length > TAGS_MAX) tooMany(next.length);
    return next;
  });
  return {};
}

export async function untagResource(account: string, region: string, input: UntagResourceInput): Promise<{}> {
  const drop = new Set(input.TagKeys);
  await changeTags(account, region, input.ResourceARN!, (tags) => tags.filter((t) => !drop.has(t.Key!)));
  return {};
}

export async function listTagsForResource(account: string, region: string, input: ListTagsForResourceInput): Promise<ListTagsForResourceOutput> {
  const target = targetOf(input.ResourceARN!, account, region);
  if (target.kind === "alarm") {
    // An alarm of the caller's that is gone lists no tags, as AWS answered after DeleteAlarms
    // (localstack's AWS-recorded test_tagging_metric_alarm, list_tags_for_deleted_resource).
    const a = await getAlarm(account, region, target.name);
    return { Tags: a?.value.tags ?? [] };
  }
  if (target.kind === "insight-rule") {
    const r = await getInsightRule(account, region, target.name);
    if (!r) throw notFound(input.ResourceARN!);
    return { Tags: r.tags ?? [] };
  }
  if (target.kind === "metric-stream") {
    const s = await getStream(account, region, target.name);
    if (!s) throw notFound(input.ResourceARN!);
    return { Tags: s.value.tags };
  }
  const d = target.name.length <= 255 ? await getRecord<DashboardRecord>(await getBucket(BUCKETS.dashboards), recordKey(account, target.name)) : undefined;
  if (!d) throw notFound(input.ResourceARN!);
  return { Tags: d.value.tags ?? [] };
}
