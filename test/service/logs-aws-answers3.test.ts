/**
 * CloudWatch Logs answers as AWS gives them, third file: the operations the
 * Terraform provider's aws_cloudwatch_log_* resources call that were not built
 * before (a group's KMS key, deletion protection, data protection policies,
 * account policies). Each expectation cites where AWS's answer was seen.
 */
import {
  AssociateKmsKeyCommand,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteAccountPolicyCommand,
  DeleteDataProtectionPolicyCommand,
  DeleteLogGroupCommand,
  DescribeAccountPoliciesCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DisassociateKmsKeyCommand,
  GetDataProtectionPolicyCommand,
  GetQueryResultsCommand,
  PutAccountPolicyCommand,
  PutDataProtectionPolicyCommand,
  PutLogEventsCommand,
  PutLogGroupDeletionProtectionCommand,
  StartQueryCommand,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { runNames, startLogsStack, stopLogsStack } from "../support/logs-stack.js";
import { signedLogsRequest } from "../support/logs-raw.js";
import { awsCli, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let account: string;
const REGION = "us-east-1";
const unique = runNames("ans3");

beforeAll(async () => {
  ({ stack, logs, other } = await startLogsStack());
  account = stack.credentials[0].accountId;
}, 180_000);
afterAll(() => stopLogsStack({ stack, logs, other }));

async function newGroup(): Promise<string> {
  const name = unique("g");
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  return name;
}
const describeGroup = async (name: string) =>
  (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups!.find((g) => g.logGroupName === name)!;
const arnOf = (name: string) => `arn:aws:logs:${REGION}:${account}:log-group:${name}`;

const GROUP_NOT_FOUND = { name: "ResourceNotFoundException", status: 400, message: "The specified log group does not exist." };

/** The AWS CLI reference's put-data-protection-policy example document (audit, then redact, one identifier). */
const POLICY = JSON.stringify(
  {
    Name: "data-protection-policy",
    Description: "",
    Version: "2021-06-01",
    Statement: [
      {
        Sid: "audit-policy",
        DataIdentifier: ["arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"],
        Operation: { Audit: { FindingsDestination: {} } },
      },
      {
        Sid: "redact-policy",
        DataIdentifier: ["arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"],
        Operation: { Deidentify: { MaskConfig: {} } },
      },
    ],
  },
  null,
  2,
);

describe("a log group's KMS key", () => {
  // hashicorp/terraform-provider-aws internal/service/logs/group.go: a changed kms_key_id is AssociateKmsKey, a removed
  // one DisassociateKmsKey, then DescribeLogGroups reads kmsKeyId back (absent once disassociated, as for a group
  // created without one: localstack's AWS-recorded test_logs_groups.snapshot.json describe-log-groups-prefix).
  it("AssociateKmsKey sets the kmsKeyId DescribeLogGroups answers, DisassociateKmsKey removes it", async () => {
    const name = await newGroup();
    const key = `arn:aws:kms:${REGION}:${account}:key/11111111-2222-3333-4444-555555555555`;
    expect(await logs.send(new AssociateKmsKeyCommand({ logGroupName: name, kmsKeyId: key }))).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(await describeGroup(name)).toMatchObject({ logGroupName: name, kmsKeyId: key });
    await logs.send(new DisassociateKmsKeyCommand({ logGroupName: name }));
    expect(await describeGroup(name)).not.toHaveProperty("kmsKeyId");
    // Disassociating a group that has no key is not an error: our choice, no AWS answer found. So is taking any key
    // ARN without asking KMS (AWS checks the key: hashicorp/terraform-provider-aws#29282 quotes its AccessDeniedException).
    await logs.send(new DisassociateKmsKeyCommand({ logGroupName: name }));
  });

  // The API reference (AssociateKmsKey): "If the resource specified does not exist, ResourceNotFoundException", AWS's
  // usual words for a missing group (localstack's AWS-recorded test_logs_events.snapshot.json).
  it("a missing group, or another account's, is ResourceNotFoundException", async () => {
    const key = `arn:aws:kms:${REGION}:${account}:key/k`;
    expect(await failure(logs.send(new AssociateKmsKeyCommand({ logGroupName: unique("missing"), kmsKeyId: key })))).toMatchObject(GROUP_NOT_FOUND);
    const name = await newGroup();
    expect(await failure(other.send(new AssociateKmsKeyCommand({ logGroupName: name, kmsKeyId: key })))).toMatchObject(GROUP_NOT_FOUND);
    expect(await failure(other.send(new DisassociateKmsKeyCommand({ logGroupName: name })))).toMatchObject(GROUP_NOT_FOUND);
  });

  // The API reference: "You must specify either logGroupName or resourceIdentifier, but not both"; AWS's wording of
  // the refusal was not found recorded, the code is the model's InvalidParameterException.
  it("takes a log group ARN as resourceIdentifier, and refuses neither or both", async () => {
    const name = await newGroup();
    const key = `arn:aws:kms:${REGION}:${account}:key/by-arn`;
    await logs.send(new AssociateKmsKeyCommand({ resourceIdentifier: arnOf(name), kmsKeyId: key }));
    expect((await describeGroup(name)).kmsKeyId).toBe(key);
    expect(await failure(logs.send(new AssociateKmsKeyCommand({ kmsKeyId: key })))).toMatchObject({ name: "InvalidParameterException", status: 400 });
    expect(await failure(logs.send(new DisassociateKmsKeyCommand({ logGroupName: name, resourceIdentifier: arnOf(name) })))).toMatchObject({
      name: "InvalidParameterException",
      status: 400,
    });
  });
});

describe("deletion protection", () => {
  // The user guide's "Protecting log groups from deletion" (Error handling): deleting a protected group is
  // ValidationException "Cannot delete log group with deletion protection enabled. Disable deletion protection first.";
  // DescribeLogGroups answers the flag, false by default (localstack's AWS-recorded test_logs_groups.snapshot.json).
  // Terraform's aws_cloudwatch_log_group (deletion_protection_enabled) sets it by the group's ARN.
  it("PutLogGroupDeletionProtection turns the flag on and off, and a protected group refuses DeleteLogGroup", async () => {
    const name = await newGroup();
    expect((await describeGroup(name)).deletionProtectionEnabled).toBe(false);
    await logs.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: arnOf(name), deletionProtectionEnabled: true }));
    expect((await describeGroup(name)).deletionProtectionEnabled).toBe(true);
    expect(await failure(logs.send(new DeleteLogGroupCommand({ logGroupName: name })))).toMatchObject({
      name: "ValidationException",
      status: 400,
      message: "Cannot delete log group with deletion protection enabled. Disable deletion protection first.",
    });
    await logs.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: name, deletionProtectionEnabled: false }));
    expect((await describeGroup(name)).deletionProtectionEnabled).toBe(false);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
    expect(await failure(logs.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: name, deletionProtectionEnabled: true })))).toMatchObject(
      GROUP_NOT_FOUND,
    );
  });
});

describe("data protection policies", () => {
  // The AWS CLI reference's put-data-protection-policy example (awscli/examples/logs/put-data-protection-policy.rst):
  // the answer echoes logGroupIdentifier and the document exactly as sent (its newlines kept), with lastUpdatedTime
  // in epoch milliseconds.
  it("PutDataProtectionPolicy answers the identifier and the document as sent, and lastUpdatedTime", async () => {
    const name = await newGroup();
    const before = Date.now();
    const out = await logs.send(new PutDataProtectionPolicyCommand({ logGroupIdentifier: name, policyDocument: POLICY }));
    expect(out.logGroupIdentifier).toBe(name);
    expect(out.policyDocument).toBe(POLICY);
    expect(out.lastUpdatedTime).toBeGreaterThanOrEqual(before);
    expect(out.lastUpdatedTime).toBeLessThanOrEqual(Date.now());
  });

  // The AWS CLI reference's get-data-protection-policy example: asked by ARN, AWS answers the group's name as
  // logGroupIdentifier. The API reference's LogGroup.dataProtectionStatus: ACTIVATED for a group with a policy.
  it("GetDataProtectionPolicy by ARN answers the group's name; DescribeLogGroups answers dataProtectionStatus ACTIVATED", async () => {
    const name = await newGroup();
    expect(await describeGroup(name)).not.toHaveProperty("dataProtectionStatus");
    const put = await logs.send(new PutDataProtectionPolicyCommand({ logGroupIdentifier: arnOf(name), policyDocument: POLICY }));
    const got = await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: arnOf(name) }));
    expect({ ...got, $metadata: undefined }).toEqual({
      $metadata: undefined,
      logGroupIdentifier: name,
      policyDocument: POLICY,
      lastUpdatedTime: put.lastUpdatedTime,
    });
    expect((await describeGroup(name)).dataProtectionStatus).toBe("ACTIVATED");
  });

  // hashicorp/terraform-provider-aws data_protection_policy.go reads "no policy" as a GetDataProtectionPolicy answer
  // without policyDocument, and "no group" as ResourceNotFoundException (after a delete it treats that as gone).
  // DeleteDataProtectionPolicy on a group without a policy being ResourceNotFoundException is our reading of that
  // delete (it tolerates the code), not a recorded AWS answer.
  it("a group without a policy answers only its identifier; DeleteDataProtectionPolicy takes it back", async () => {
    const name = await newGroup();
    const empty = await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: name }));
    expect(empty.logGroupIdentifier).toBe(name);
    expect(empty).not.toHaveProperty("policyDocument");
    expect(empty).not.toHaveProperty("lastUpdatedTime");
    await logs.send(new PutDataProtectionPolicyCommand({ logGroupIdentifier: name, policyDocument: POLICY }));
    await logs.send(new DeleteDataProtectionPolicyCommand({ logGroupIdentifier: name }));
    expect(await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: name }))).not.toHaveProperty("policyDocument");
    expect(await describeGroup(name)).not.toHaveProperty("dataProtectionStatus");
    expect(await failure(logs.send(new DeleteDataProtectionPolicyCommand({ logGroupIdentifier: name })))).toMatchObject({
      name: "ResourceNotFoundException",
      status: 400,
    });
    expect(await failure(logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: unique("missing") })))).toMatchObject(GROUP_NOT_FOUND);
  });

  // cloudquery/cloudquery#10216 quotes AWS's answer to the ':*' ARN DescribeLogGroups returns: ValidationException
  // (not the InvalidParameterException the model declares), the value shown.
  it("the ':*' ARN is ValidationException with AWS's pattern message, the value shown", async () => {
    const name = await newGroup();
    const arn = `${arnOf(name)}:*`;
    expect(await failure(logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: arn })))).toMatchObject({
      name: "ValidationException",
      status: 400,
      message:
        `1 validation error detected: Value '${arn}' at 'logGroupIdentifier' failed to satisfy constraint: ` +
        "Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*",
    });
  });

  // Debian's aws CLI 2.9 has the data protection commands: the same answers over its own client (the AWS CLI
  // reference's examples and cloudquery/cloudquery#10216, as cited above).
  it("Debian's aws CLI puts and gets a policy", async () => {
    const name = await newGroup();
    const put = await awsCli(stack, ["logs", "put-data-protection-policy", "--log-group-identifier", name, "--policy-document", POLICY]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.json).toMatchObject({ logGroupIdentifier: name, policyDocument: POLICY, lastUpdatedTime: expect.any(Number) });
    const get = await awsCli(stack, ["logs", "get-data-protection-policy", "--log-group-identifier", arnOf(name)]);
    expect(get.json).toEqual(put.json);
    const bad = await awsCli(stack, ["logs", "get-data-protection-policy", "--log-group-identifier", `${arnOf(name)}:*`]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("An error occurred (ValidationException) when calling the GetDataProtectionPolicy operation");
  }, 120_000);
});

describe("account policies", () => {
  // The API reference (PutAccountPolicy, AccountPolicy): the answer holds the policy with its type, scope (ALL, the
  // only one) and the account's id; hashicorp/terraform-provider-aws account_policy.go reads policyName back from it
  // and finds the policy again by DescribeAccountPolicies(policyType, policyName).
  it("PutAccountPolicy answers the policy with scope ALL and the account id; Describe finds it by type and name", async () => {
    const policyDocument = JSON.stringify({ DestinationArn: `arn:aws:kinesis:${REGION}:${account}:stream/central`, FilterPattern: "" });
    const before = Date.now();
    const put = await logs.send(
      new PutAccountPolicyCommand({ policyName: "ans3-sub", policyType: "SUBSCRIPTION_FILTER_POLICY", policyDocument, selectionCriteria: 'LogGroupName NOT IN ["x"]' }),
    );
    expect(put.accountPolicy).toEqual({
      policyName: "ans3-sub",
      policyDocument,
      lastUpdatedTime: expect.any(Number),
      policyType: "SUBSCRIPTION_FILTER_POLICY",
      scope: "ALL",
      selectionCriteria: 'LogGroupName NOT IN ["x"]',
      accountId: account,
    });
    expect(put.accountPolicy!.lastUpdatedTime).toBeGreaterThanOrEqual(before);
    const found = await logs.send(new DescribeAccountPoliciesCommand({ policyType: "SUBSCRIPTION_FILTER_POLICY", policyName: "ans3-sub" }));
    expect(found.accountPolicies).toEqual([put.accountPolicy]);
    // Another type, or another account, has none of it (the API reference: policies are per account and type).
    expect((await logs.send(new DescribeAccountPoliciesCommand({ policyType: "DATA_PROTECTION_POLICY" }))).accountPolicies).toEqual([]);
    expect((await other.send(new DescribeAccountPoliciesCommand({ policyType: "SUBSCRIPTION_FILTER_POLICY" }))).accountPolicies).toEqual([]);
    await logs.send(new DeleteAccountPolicyCommand({ policyName: "ans3-sub", policyType: "SUBSCRIPTION_FILTER_POLICY" }));
    expect((await logs.send(new DescribeAccountPoliciesCommand({ policyType: "SUBSCRIPTION_FILTER_POLICY" }))).accountPolicies).toEqual([]);
  });

  // DeleteResourcePolicy's words for a missing policy (localstack's AWS-recorded
  // test_logs_resource_policies.snapshot.json error-policy-not-found), for the account policies beside them; an
  // unknown type is the model's enum message (the words AWS uses for every Logs enum, e.g. outputFormat in
  // test_logs_delivery.snapshot.json). That DeleteAccountPolicy answers with DeleteResourcePolicy's words is our
  // choice: no AWS answer for DeleteAccountPolicy found. The code InvalidParameterException is our choice too: the
  // cited delivery snapshot answers that message as ValidationException, older operations as InvalidParameterException
  // (moto's AWS-verified tests, validation.test.ts); DescribeAccountPolicies' own answer was not found.
  it("deleting a missing policy names it; an unknown policyType is the model's enum message", async () => {
    expect(await failure(logs.send(new DeleteAccountPolicyCommand({ policyName: "ans3-none", policyType: "DATA_PROTECTION_POLICY" })))).toMatchObject({
      name: "ResourceNotFoundException",
      status: 400,
      message: "Policy with name [ans3-none] does not exist.",
    });
    expect(await failure(logs.send(new DescribeAccountPoliciesCommand({ policyType: "NOPE" as never })))).toMatchObject({
      name: "InvalidParameterException",
      status: 400,
      message:
        "1 validation error detected: Value 'NOPE' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: " +
        "[DATA_PROTECTION_POLICY, SUBSCRIPTION_FILTER_POLICY, FIELD_INDEX_POLICY, TRANSFORMER_POLICY, METRIC_EXTRACTION_POLICY]",
    });
  });
});

describe("log streams", () => {
  // A describe-log-streams answer from AWS in January 2026 (an aws CLI session in a public WAF-logging lab write-up, stream
  // us-east-2_echobase-waf01_0): a stream that has taken events still carries a 56-digit uploadSequenceToken, between
  // lastIngestionTime and arn; a new stream has none (localstack's AWS-recorded test_logs_streams.snapshot.json).
  // The write-up's repository was not pinned down; it is found on GitHub by searching for its log group,
  // aws-waf-logs-echobase-webacl01 (account 746669200167, uploadSequenceToken "4903985965913446943785077764897178408…").
  it("DescribeLogStreams answers a 56-digit uploadSequenceToken once a stream has taken events, none before", async () => {
    const name = await newGroup();
    await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: "s" }));
    const stream = async () => (await logs.send(new DescribeLogStreamsCommand({ logGroupName: name }))).logStreams![0];
    expect(await stream()).not.toHaveProperty("uploadSequenceToken");
    await logs.send(new PutLogEventsCommand({ logGroupName: name, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "m" }] }));
    let described = await stream();
    for (let i = 0; i < 50 && described.lastIngestionTime === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      described = await stream();
    }
    expect(described.uploadSequenceToken).toMatch(/^\d{56}$/);
    expect(Object.keys(described)).toEqual([
      "logStreamName",
      "creationTime",
      "firstEventTimestamp",
      "lastEventTimestamp",
      "lastIngestionTime",
      "uploadSequenceToken",
      "arn",
      "storedBytes",
    ]);
  });
});

describe("Logs Insights statistics", () => {
  // A get-query-results answer from AWS in February 2026 (an aws CLI session in a public lab write-up, query
  // 35831ae2-…, one log group, no match): statistics carries all six members of QueryStatistics, the estimates 0.0
  // and logGroupsScanned 1.0, in the model's order. The write-up's repository was not pinned down; it is found on
  // GitHub by its query id, 35831ae2-4259-4cb5-aecd-920ab90aae4a (log group /aws/ec2/chrisbarm-rds-app, "Bonus F").
  it("GetQueryResults answers every statistics member: the estimates 0 and logGroupsScanned, the groups read", async () => {
    const names = [await newGroup(), await newGroup()];
    await logs.send(new CreateLogStreamCommand({ logGroupName: names[0], logStreamName: "s" }));
    await logs.send(new PutLogEventsCommand({ logGroupName: names[0], logStreamName: "s", logEvents: [{ timestamp: Date.now() - 1000, message: "ERROR x" }] }));
    const now = Math.floor(Date.now() / 1000);
    const { queryId } = await logs.send(
      new StartQueryCommand({ logGroupNames: names, startTime: now - 600, endTime: now + 60, queryString: "filter @message like /ERROR/ | stats count() as errors" }),
    );
    let out = await logs.send(new GetQueryResultsCommand({ queryId }));
    for (let i = 0; i < 300 && out.status !== "Complete"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      out = await logs.send(new GetQueryResultsCommand({ queryId }));
    }
    expect(out.status).toBe("Complete");
    expect(Object.keys(out.statistics!)).toEqual([
      "recordsMatched",
      "recordsScanned",
      "estimatedRecordsSkipped",
      "bytesScanned",
      "estimatedBytesSkipped",
      "logGroupsScanned",
    ]);
    expect(out.statistics).toMatchObject({ recordsMatched: 1, recordsScanned: 1, estimatedRecordsSkipped: 0, estimatedBytesSkipped: 0, logGroupsScanned: 2 });
    expect(out.statistics!.bytesScanned).toBeGreaterThan(0);
    expect(out.results).toEqual([[{ field: "errors", value: "1" }]]);
  }, 120_000);
});

describe("operations the endpoint does not have", () => {
  // aws/aws-sdk-net#1536 quotes CloudWatch Logs' answer to an operation it did not know: HTTP 400 and the body
  // `{"__type":"UnknownOperationException"}`, no message.
  it("an unknown X-Amz-Target operation is 400 with only __type UnknownOperationException", async () => {
    const res = await signedLogsRequest(stack, "NoSuchOperation", "{}");
    expect(res.status).toBe(400);
    expect(JSON.parse(await res.text())).toEqual({ __type: "UnknownOperationException" });
  });
});
