/**
 * Account-level resource policies (which AWS services may write to the
 * account's log groups): PutResourcePolicy, DescribeResourcePolicies,
 * DeleteResourcePolicy. AWS's quota: 10 per account and region. One KV
 * record per policy in `cw-log-destinations`, key `{account}.p.{name}`.
 */
import type {
  DeleteResourcePolicyRequest,
  DescribeResourcePoliciesRequest,
  DescribeResourcePoliciesResponse,
  PutResourcePolicyRequest,
  PutResourcePolicyResponse,
  ResourcePolicy,
} from "@aws-sdk/client-cloudwatch-logs";
import { logsError } from "../../errors.js";
import { deleteRecord, getRecord, keyToken, putRecord, scanRecords } from "../../storage/kv.js";
import { invalidParameter } from "../errors.js";
import { requireJsonObject } from "../json-document.js";
import { paginate } from "../pagination.js";
import { destinationsBucket } from "./destinations.js";
import { normalizedPolicyDocument } from "./policy-document.js";

export const MAX_RESOURCE_POLICIES = 10;

interface PolicyRecord {
  policyName: string;
  policyDocument: string;
  lastUpdatedTime: number;
}

const policyKey = (accountId: string, name: string) => `${accountId}.p.${keyToken(name)}`;

// AWS answers no revisionId for an account-scoped policy (localstack's AWS-recorded
// test_logs_resource_policies.snapshot.json put-resource-policy), so none is kept or compared.
const toPolicy = (p: PolicyRecord, policyDocument: string): ResourcePolicy => ({
  policyName: p.policyName,
  policyDocument,
  lastUpdatedTime: p.lastUpdatedTime,
  policyScope: "ACCOUNT",
});

export async function putResourcePolicy(accountId: string, _region: string, input: PutResourcePolicyRequest): Promise<PutResourcePolicyResponse> {
  if (!input.policyName) throw invalidParameter("policyName is required.");
  if (!input.policyDocument) throw invalidParameter("policyDocument is required.");
  requireJsonObject(input.policyDocument!, "Policy document is not valid JSON.");
  const kv = await destinationsBucket();
  const key = policyKey(accountId, input.policyName!);
  const existing = await getRecord<PolicyRecord>(kv, key);
  if (!existing) {
    const count = (await scanRecords<PolicyRecord>(kv, `${accountId}.p.*`)).length;
    if (count >= MAX_RESOURCE_POLICIES) throw logsError("LimitExceededException", "Resource limit exceeded.");
  }
  const record: PolicyRecord = { policyName: input.policyName!, policyDocument: input.policyDocument!, lastUpdatedTime: Date.now() };
  await putRecord(kv, key, record);
  return { resourcePolicy: toPolicy(record, record.policyDocument) };
}

export async function deleteResourcePolicy(accountId: string, _region: string, input: DeleteResourcePolicyRequest): Promise<{}> {
  const kv = await destinationsBucket();
  const key = policyKey(accountId, input.policyName!);
  // AWS's words: localstack's AWS-recorded test_logs_resource_policies.snapshot.json error-policy-not-found.
  if (!(await getRecord(kv, key))) throw logsError("ResourceNotFoundException", "Policy with name [" + input.policyName + "] does not exist.");
  await deleteRecord(kv, key);
  return {};
}

export async function describeResourcePolicies(accountId: string, _region: string, input: DescribeResourcePoliciesRequest): Promise<DescribeResourcePoliciesResponse> {
  const all = (await scanRecords<PolicyRecord>(await destinationsBucket(), `${accountId}.p.*`)).map((r) => r.value);
  const page = await paginate({
    operation: "DescribeResourcePolicies",
    query: {},
    candidates: all,
    key: (p) => [p.policyName],
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (p) => toPolicy(p, normalizedPolicyDocument(p.policyDocument)),
  });
  const out: DescribeResourcePoliciesResponse = { resourcePolicies: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}
