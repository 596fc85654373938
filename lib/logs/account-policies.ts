/**
 * Account-level policies: PutAccountPolicy, DescribeAccountPolicies,
 * DeleteAccountPolicy. One KV record per policy in `cw-log-destinations`,
 * key `{account}.a.{policyType}.{name token}` (docs/formats/kv-keys.md). The
 * policies are kept and answered for the tools that manage them (Terraform's
 * aws_cloudwatch_log_account_policy); they do not act on log events here.
 */
import type {
  AccountPolicy,
  DeleteAccountPolicyRequest,
  DescribeAccountPoliciesRequest,
  DescribeAccountPoliciesResponse,
  PolicyType,
  PutAccountPolicyRequest,
  PutAccountPolicyResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import { deleteRecord, getRecord, keyToken, putRecord, scanRecords } from "../storage/kv.js";
import { policyNotFound } from "./errors.js";
import { paginate } from "./pagination.js";
import { requireJsonObject } from "./json-document.js";
import { destinationsBucket } from "./subscriptions/destinations.js";

interface AccountPolicyRecord {
  policyName: string;
  policyType: PolicyType;
  policyDocument: string;
  scope: "ALL";
  selectionCriteria?: string;
  lastUpdatedTime: number;
}

const policyKey = (accountId: string, type: string, name: string) => `${accountId}.a.${type}.${keyToken(name)}`;

const toAccountPolicy = (p: AccountPolicyRecord, accountId: string): AccountPolicy => {
  const out: AccountPolicy = {
    policyName: p.policyName,
    policyDocument: p.policyDocument,
    lastUpdatedTime: p.lastUpdatedTime,
    policyType: p.policyType,
    scope: p.scope,
  };
  if (p.selectionCriteria !== undefined) out.selectionCriteria = p.selectionCriteria;
  out.accountId = accountId;
  return out;
};

export async function putAccountPolicy(accountId: string, _region: string, input: PutAccountPolicyRequest): Promise<PutAccountPolicyResponse> {
  requireJsonObject(input.policyDocument!, "Policy document is not valid JSON.");
  const record: AccountPolicyRecord = {
    policyName: input.policyName!,
    policyType: input.policyType!,
    policyDocument: input.policyDocument!,
    scope: input.scope ?? "ALL",
    lastUpdatedTime: Date.now(),
  };
  if (input.selectionCriteria !== undefined) record.selectionCriteria = input.selectionCriteria;
  await putRecord(await destinationsBucket(), policyKey(accountId, record.policyType, record.policyName), record);
  return { accountPolicy: toAccountPolicy(record, accountId) };
}

/** The caller's policies of a type, or the one named; none found is an empty list. Other accounts' are not the caller's to read. */
export async function describeAccountPolicies(
  accountId: string,
  _region: string,
  input: DescribeAccountPoliciesRequest,
): Promise<DescribeAccountPoliciesResponse> {
  const ids = input.accountIdentifiers;
  const kv = await destinationsBucket();
  const mine = ids === undefined || ids.length === 0 || ids.includes(accountId);
  const all = !mine
    ? []
    : input.policyName !== undefined
      ? [await getRecord<AccountPolicyRecord>(kv, policyKey(accountId, input.policyType!, input.policyName))].flatMap((r) => (r ? [r.value] : []))
      : (await scanRecords<AccountPolicyRecord>(kv, `${accountId}.a.${input.policyType}.*`)).map((r) => r.value);
  const page = await paginate({
    operation: "DescribeAccountPolicies",
    query: { type: input.policyType, name: input.policyName, ids },
    candidates: all,
    key: (p) => [p.policyName],
    limit: 50,
    nextToken: input.nextToken,
    load: async (p) => toAccountPolicy(p, accountId),
  });
  const out: DescribeAccountPoliciesResponse = { accountPolicies: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

export async function deleteAccountPolicy(accountId: string, _region: string, input: DeleteAccountPolicyRequest): Promise<{}> {
  const kv = await destinationsBucket();
  const key = policyKey(accountId, input.policyType!, input.policyName!);
  if (!(await getRecord(kv, key))) throw policyNotFound(input.policyName!);
  await deleteRecord(kv, key);
  return {};
}
