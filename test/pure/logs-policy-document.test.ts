import { describe, expect, it } from "vitest";
import { normalizedPolicyDocument } from "../../lib/logs/subscriptions/policy-document.js";

// localstack's AWS-recorded tests/aws/services/logs/test_logs_resource_policies.snapshot.json: what
// DescribeResourcePolicies answered for the documents test_describe_resource_policies and
// test_put_resource_policy_update sent.
describe("a resource policy's document as AWS keeps it", () => {
  it.each([
    [
      "a one-element Service list becomes its element; the grammar's order stays",
      '{"Version": "2012-10-17", "Statement": [{"Sid": "Route53LogsToCloudWatchLogs", "Effect": "Allow", "Principal": {"Service": ["route53.amazonaws.com"]}, "Action": "logs:PutLogEvents", "Resource": "log_arn"}]}',
      '{"Version":"2012-10-17","Statement":[{"Sid":"Route53LogsToCloudWatchLogs","Effect":"Allow","Principal":{"Service":"route53.amazonaws.com"},"Action":"logs:PutLogEvents","Resource":"log_arn"}]}',
    ],
    [
      "no Version gets 2008-10-17, first; statement keys in Sid, Effect, Principal, Action, Resource order",
      '{"Statement":[{"Action":"logs:*","Effect":"Allow","Principal":{"Service": ["route53.amazonaws.com"]},"Resource":"*"}]}',
      '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"route53.amazonaws.com"},"Action":"logs:*","Resource":"*"}]}',
    ],
    [
      "lists of two or more stay lists; Condition and unknown keys are kept as sent, after the known ones",
      '{"Statement":[{"X":1,"Condition":{"StringEquals":{"aws:SourceAccount":["1"]}},"Resource":["a","b"],"Action":["logs:A"],"Effect":"Deny","Principal":"*"}],"Id":"i"}',
      '{"Version":"2008-10-17","Id":"i","Statement":[{"Effect":"Deny","Principal":"*","Action":"logs:A","Resource":["a","b"],"Condition":{"StringEquals":{"aws:SourceAccount":["1"]}},"X":1}]}',
    ],
  ])("%s", (_what, sent, kept) => {
    expect(normalizedPolicyDocument(sent)).toBe(kept);
  });
});
