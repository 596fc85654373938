/**
 * Managed Contributor Insights rules: ListManagedInsightRules and
 * PutManagedInsightRules. AWS offers managed rule templates for some of its
 * own resources; a managed rule put from one is an insight rule like the
 * others (same bucket, enabled, disabled, deleted and tagged the same way),
 * marked ManagedRule and remembering its template and resource.
 *
 * The templates are AWS's: a VPC endpoint service has four, listed in this
 * order (hashicorp/terraform-provider-aws
 * contributor_managed_insight_rules_data_source_test.go, run against AWS:
 * `managed_rules.#` = 4, NewConnections, Bytes, RstPackets, ActiveConnections).
 * A resource with no templates lists none. A listed template keeps its entry
 * after its rule is deleted, without RuleState (the provider's
 * contributor_managed_insight_rule_test.go destroy check relies on it).
 */
import type {
  ListManagedInsightRulesInput,
  ListManagedInsightRulesOutput,
  ManagedRuleDescription,
  PartialFailure,
  PutManagedInsightRulesInput,
  PutManagedInsightRulesOutput,
} from "@aws-sdk/client-cloudwatch";
import { decodeAfterToken, encodeAfterToken } from "../after-token.js";
import { invalidNextToken, protocolError } from "../errors.js";
import { createRecord, getRecord, recordKey, updateRecord } from "../storage/kv.js";
import { getInsightRule, rulesBucket, type InsightRuleRecord } from "./rules.js";

interface TemplateFamily {
  /** The resource's ARN; group 1 is the id a rule's name ends with. */
  resource: RegExp;
  templates: string[];
}

const FAMILIES: TemplateFamily[] = [
  {
    resource: /^arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:vpc-endpoint-service\/(vpce-svc-[0-9a-z]+)$/,
    templates: [
      "VpcEndpointService-NewConnectionsByEndpointId-v1",
      "VpcEndpointService-BytesByEndpointId-v1",
      "VpcEndpointService-RstPacketsByEndpointId-v1",
      "VpcEndpointService-ActiveConnectionsByEndpointId-v1",
    ],
  },
];

const PAGE_MAX = 500;

/** The resource's templates and the id its rules are named with; none for a resource AWS has no templates for. */
function templatesOf(resourceArn: string): { id: string; templates: string[] } {
  for (const f of FAMILIES) {
    const m = f.resource.exec(resourceArn);
    if (m) return { id: m[1], templates: f.templates };
  }
  return { id: "", templates: [] };
}

/** The name of the rule a template makes for a resource: the template's name, then the resource's id (our choice). */
const managedRuleName = (template: string, id: string) => `${template}-${id}`;

/** A managed rule's definition as DescribeInsightRules shows it: what it was made from. */
const managedDefinition = (template: string, resourceArn: string) => JSON.stringify({ TemplateName: template, ResourceARN: resourceArn });

export async function listManagedInsightRules(account: string, region: string, input: ListManagedInsightRulesInput): Promise<ListManagedInsightRulesOutput> {
  const resourceArn = input.ResourceARN!;
  const { id, templates } = templatesOf(resourceArn);
  const after = input.NextToken ? decodeAfterToken(input.NextToken, () => invalidNextToken("The value for parameter NextToken is not valid.")) : undefined;
  const from = after === undefined ? 0 : templates.indexOf(after) + 1;
  if (after !== undefined && from === 0) throw invalidNextToken("The value for parameter NextToken is not valid.");
  const page = templates.slice(from, from + (input.MaxResults ?? PAGE_MAX));
  const ManagedRules: ManagedRuleDescription[] = [];
  for (const template of page) {
    const rule = await getInsightRule(account, region, managedRuleName(template, id));
    const entry: ManagedRuleDescription = { TemplateName: template, ResourceARN: resourceArn };
    if (rule?.managed) entry.RuleState = { RuleName: rule.name, State: rule.state };
    ManagedRules.push(entry);
  }
  const out: ListManagedInsightRulesOutput = { ManagedRules };
  if (from + page.length < templates.length) out.NextToken = encodeAfterToken(page[page.length - 1]);
  return out;
}

/**
 * Creates each rule enabled, or enables it again (AWS: "If a previously
 * created managed rule is currently disabled, a subsequent call to this API
 * will re-enable it"); tags are set when the rule is created. A template the
 * resource does not have is a Failure naming the template.
 */
export async function putManagedInsightRules(account: string, region: string, input: PutManagedInsightRulesInput): Promise<PutManagedInsightRulesOutput> {
  const Failures: PartialFailure[] = [];
  const kv = await rulesBucket();
  for (const m of input.ManagedRules ?? []) {
    const { id, templates } = templatesOf(m.ResourceARN!);
    if (!templates.includes(m.TemplateName!)) {
      Failures.push({
        FailureResource: m.TemplateName,
        ExceptionType: "InvalidParameterValueException",
        FailureCode: "InvalidParameterValue",
        FailureDescription: `There is no managed rule template ${m.TemplateName} for the resource ${m.ResourceARN}.`,
      });
      continue;
    }
    const name = managedRuleName(m.TemplateName!, id);
    const key = recordKey(account, region, name);
    let done = false;
    for (let attempt = 0; attempt < 20 && !done; attempt++) {
      const existing = await getRecord<InsightRuleRecord>(kv, key);
      const record: InsightRuleRecord = existing
        ? { ...existing.value, state: "ENABLED" }
        : {
            name,
            state: "ENABLED",
            definition: managedDefinition(m.TemplateName!, m.ResourceARN!),
            applyOnTransformedLogs: false,
            created: Date.now(),
            managed: { templateName: m.TemplateName!, resourceArn: m.ResourceARN! },
            ...(m.Tags?.length ? { tags: m.Tags } : {}),
          };
      done = existing ? await updateRecord(kv, key, record, existing.revision) : await createRecord(kv, key, record);
    }
    if (!done) throw protocolError("Throttling", "Rate exceeded");
  }
  return { Failures };
}
