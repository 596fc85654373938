/**
 * A log group's data protection policy: PutDataProtectionPolicy,
 * GetDataProtectionPolicy, DeleteDataProtectionPolicy. The document lives on
 * the group's record (docs/formats/kv-keys.md); DescribeLogGroups then
 * answers the group's dataProtectionStatus ACTIVATED. Masking is not done:
 * the document is kept and answered, as the tools that manage it need.
 */
import type {
  DeleteDataProtectionPolicyRequest,
  GetDataProtectionPolicyRequest,
  GetDataProtectionPolicyResponse,
  PutDataProtectionPolicyRequest,
  PutDataProtectionPolicyResponse,
} from "@aws-sdk/client-cloudwatch-logs";
import { dataProtectionPolicyNotFound } from "./errors.js";
import { modifyLogGroup, requireLogGroup } from "./group-records.js";
import { resolveLogGroupIdentifier } from "./names.js";
import { requireJsonObject } from "./json-document.js";

export async function putDataProtectionPolicy(
  accountId: string,
  region: string,
  input: PutDataProtectionPolicyRequest,
): Promise<PutDataProtectionPolicyResponse> {
  const name = resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
  const policyDocument = input.policyDocument!;
  requireJsonObject(policyDocument, "The data protection policy document is not valid JSON.", "The data protection policy document must be a JSON object.");
  const lastUpdatedTime = Date.now();
  await modifyLogGroup(accountId, name, (g) => ({ ...g, dataProtectionPolicy: { policyDocument, lastUpdatedTime } }));
  // The AWS CLI's documented example answers the identifier and the document as they were sent.
  return { logGroupIdentifier: input.logGroupIdentifier, policyDocument, lastUpdatedTime };
}

/**
 * A group without a policy answers only its identifier (the Terraform provider reads a missing
 * policyDocument as "no policy"); a missing group is ResourceNotFoundException. The identifier
 * answered is the group's name, also when an ARN was asked (the AWS CLI's documented example).
 */
export async function getDataProtectionPolicy(
  accountId: string,
  region: string,
  input: GetDataProtectionPolicyRequest,
): Promise<GetDataProtectionPolicyResponse> {
  const name = resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
  const group = await requireLogGroup(accountId, name);
  const out: GetDataProtectionPolicyResponse = { logGroupIdentifier: name };
  if (group.dataProtectionPolicy) {
    out.policyDocument = group.dataProtectionPolicy.policyDocument;
    out.lastUpdatedTime = group.dataProtectionPolicy.lastUpdatedTime;
  }
  return out;
}

export async function deleteDataProtectionPolicy(accountId: string, region: string, input: DeleteDataProtectionPolicyRequest): Promise<{}> {
  const name = resolveLogGroupIdentifier(input.logGroupIdentifier!, accountId, region);
  let had = false;
  await modifyLogGroup(accountId, name, (g) => {
    if (!g.dataProtectionPolicy) return undefined;
    had = true;
    const { dataProtectionPolicy: _, ...rest } = g;
    return rest;
  });
  if (!had) throw dataProtectionPolicyNotFound();
  return {};
}
