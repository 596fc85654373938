/**
 * Contributor Insights rules: PutInsightRule, DescribeInsightRules,
 * Delete/Enable/DisableInsightRules over the `cw-insight-rules` KV bucket, a
 * record per rule keyed `{account}.{region}.{name}` (rules are regional: their
 * ARN is `arn:aws:cloudwatch:{region}:{account}:insight-rule/{name}`).
 * Key and record: docs/formats/kv-keys.md.
 */
import type {
  DeleteInsightRulesInput,
  DeleteInsightRulesOutput,
  DescribeInsightRulesInput,
  DescribeInsightRulesOutput,
  DisableInsightRulesInput,
  EnableInsightRulesInput,
  InsightRule,
  PartialFailure,
  PutInsightRuleInput,
  Tag,
} from "@aws-sdk/client-cloudwatch";
import type { KV } from "nats";
import { arn } from "../arn.js";
import { decodeAfterToken, encodeAfterToken } from "../after-token.js";
import { cloudwatchError, invalidNextToken, protocolError } from "../errors.js";
import { createRecord, deleteRecord, fromKeyToken, getRecord, keyToken, modifyRecord, recordKey, updateRecord } from "../storage/kv.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { parseDefinition } from "./rule-definition.js";

export interface InsightRuleRecord {
  name: string;
  state: "ENABLED" | "DISABLED";
  definition: string;
  applyOnTransformedLogs: boolean;
  /** Epoch ms the rule was first put: a report counts the events ingested since (a rule sees events as they arrive). */
  created: number;
  tags?: Tag[];
  /** A managed rule (PutManagedInsightRules): the template and resource it was made from. */
  managed?: { templateName: string; resourceArn: string };
}

/**
 * The Schema DescribeInsightRules answers for rules users create: AWS answers
 * "CloudWatchLogRule/1" (localstack's AWS-recorded snapshot
 * tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json, test_insight_rule, describe_insight_rule).
 */
export const RULE_SCHEMA = "CloudWatchLogRule/1";
/** CloudWatch service quotas: "Contributor Insights rules: 100 per Region per account". */
export const RULES_MAX = 100;
const PAGE_MAX = 500;

export const rulesBucket = (): Promise<KV> => getBucket(BUCKETS.insightRules);
const ruleKey = (account: string, region: string, name: string) => recordKey(account, region, name);

export const insightRuleArn = (account: string, region: string, name: string) =>
  arn({ service: "cloudwatch", region, accountId: account, resource: `insight-rule/${name}` });

export async function getInsightRule(account: string, region: string, name: string): Promise<InsightRuleRecord | undefined> {
  return (await getRecord<InsightRuleRecord>(await rulesBucket(), ruleKey(account, region, name)))?.value;
}

export async function modifyInsightRule(
  account: string,
  region: string,
  name: string,
  change: (r: InsightRuleRecord) => InsightRuleRecord,
): Promise<InsightRuleRecord | undefined> {
  return modifyRecord<InsightRuleRecord>(await rulesBucket(), ruleKey(account, region, name), change);
}

/** Names of the region's rules, in name order. */
async function ruleNames(account: string, region: string): Promise<string[]> {
  const prefix = `${account}.${keyToken(region)}.`;
  const names: string[] = [];
  for await (const key of await (await rulesBucket()).keys(`${prefix}*`)) names.push(fromKeyToken(key.slice(prefix.length)));
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function putInsightRule(account: string, region: string, input: PutInsightRuleInput): Promise<{}> {
  // The validation stage has answered the model's constraints (name, definition, state lengths and patterns).
  const name = input.RuleName!;
  parseDefinition(input.RuleDefinition!);
  const kv = await rulesBucket();
  const key = ruleKey(account, region, name);
  // Compare-and-set: a rule put by two calls at once keeps one creation time and its creation's tags.
  for (let attempt = 0; attempt < 20; attempt++) {
    const existing = await getRecord<InsightRuleRecord>(kv, key);
    // The quota is counted, not reserved: rules of other names put at the same moment may pass it by a few.
    if (!existing && (await ruleNames(account, region)).length >= RULES_MAX) {
      throw cloudwatchError("LimitExceededException", `The maximum number of Contributor Insights rules (${RULES_MAX}) has been reached.`);
    }
    const record: InsightRuleRecord = {
      name,
      state: input.RuleState === "DISABLED" ? "DISABLED" : "ENABLED",
      definition: input.RuleDefinition!,
      applyOnTransformedLogs: input.ApplyOnTransformedLogs ?? false,
      created: existing?.value.created ?? Date.now(),
    };
    // Tags are set when a rule is created; TagResource changes them afterwards.
    const tags = existing ? existing.value.tags : input.Tags;
    if (tags?.length) record.tags = tags;
    if (existing ? await updateRecord(kv, key, record, existing.revision) : await createRecord(kv, key, record)) return {};
  }
  // Twenty rounds lost to writers of the same rule: AWS's answer to contention, which SDKs retry.
  throw protocolError("Throttling", "Rate exceeded");
}

const view = (r: InsightRuleRecord): InsightRule => ({
  Name: r.name,
  State: r.state,
  Schema: RULE_SCHEMA,
  Definition: r.definition,
  ManagedRule: r.managed !== undefined,
  ApplyOnTransformedLogs: r.applyOnTransformedLogs,
});

const decodeToken = (token: string) => decodeAfterToken(token, () => invalidNextToken("The value for parameter NextToken is not valid."));

export async function describeInsightRules(account: string, region: string, input: DescribeInsightRulesInput): Promise<DescribeInsightRulesOutput> {
  const after = input.NextToken ? decodeToken(input.NextToken) : undefined;
  const max = input.MaxResults ?? PAGE_MAX;
  const names = (await ruleNames(account, region)).filter((n) => after === undefined || n > after);
  const page = names.slice(0, max);
  const kv = await rulesBucket();
  const records = await Promise.all(page.map((n) => getRecord<InsightRuleRecord>(kv, ruleKey(account, region, n))));
  const out: DescribeInsightRulesOutput = { InsightRules: records.flatMap((r) => (r ? [view(r.value)] : [])) };
  if (names.length > page.length) out.NextToken = encodeAfterToken(page[page.length - 1]);
  return out;
}

/**
 * Applies `change` to each named rule. A name with no rule is passed over, as
 * moto's model of these calls does: AWS documents Failures only for rules it
 * could not change.
 */
async function eachRule(account: string, region: string, names: string[], change: (key: string) => Promise<unknown>): Promise<{ Failures: PartialFailure[] }> {
  for (const name of new Set(names)) await change(ruleKey(account, region, name));
  return { Failures: [] };
}

export async function deleteInsightRules(account: string, region: string, input: DeleteInsightRulesInput): Promise<DeleteInsightRulesOutput> {
  const kv = await rulesBucket();
  return eachRule(account, region, input.RuleNames ?? [], async (key) => {
    if (await getRecord(kv, key)) await deleteRecord(kv, key);
  });
}

const setState = (state: InsightRuleRecord["state"]) => async (account: string, region: string, input: EnableInsightRulesInput | DisableInsightRulesInput) => {
  const kv = await rulesBucket();
  return eachRule(account, region, input.RuleNames ?? [], (key) => modifyRecord<InsightRuleRecord>(kv, key, (r) => ({ ...r, state })));
};

export const enableInsightRules = setState("ENABLED");
export const disableInsightRules = setState("DISABLED");
