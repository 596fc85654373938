/**
 * PutSubscriptionFilter, DescribeSubscriptionFilters,
 * DeleteSubscriptionFilter. AWS's quota: two subscription filters per log
 * group. The destination is a Kinesis/Firehose stream or Lambda function of
 * the caller's account, or a CloudWatch Logs destination (any account whose
 * access policy lets the caller subscribe); either resolves to a NATS
 * subject (delivery.ts), checked with a CONTROL_MESSAGE as AWS checks a new
 * destination's health.
 */
import type {
  DeleteSubscriptionFilterRequest,
  DescribeSubscriptionFiltersRequest,
  DescribeSubscriptionFiltersResponse,
  PutSubscriptionFilterRequest,
  SubscriptionFilter,
} from "@aws-sdk/client-cloudwatch-logs";
import { logsError } from "../../errors.js";
import { invalidParameter } from "../errors.js";
import { checkRegexQuota } from "../filters/metric-filters.js";
import { changeGroupFilters, readFilterableGroup, type SubscriptionFilterRecord } from "../filters/filter-store.js";
import { parseLogsArn } from "../names.js";
import { paginate } from "../pagination.js";
import { compileFilterPattern } from "../patterns/index.js";
import { controlMessage, deliver, targetOf, type DeliveryTarget } from "./delivery.js";
import { destinationNotFound, getDestination, policyAllows } from "./destinations.js";

export const MAX_SUBSCRIPTION_FILTERS = 2;


/** The subject a destination ARN delivers to, with AWS's checks of who may use it. */
async function resolveDestination(accountId: string, arn: string, roleArn: string | undefined): Promise<DeliveryTarget> {
  const logsArn = parseLogsArn(arn);
  if (logsArn?.resourceType === "destination") {
    const dest = await getDestination(logsArn.accountId, logsArn.resource);
    if (!dest || dest.region !== logsArn.region) throw destinationNotFound();
    if (!policyAllows(logsArn.accountId, dest, accountId)) {
      throw logsError("AccessDeniedException", `User with accountId: ${accountId} is not authorized to perform: logs:PutSubscriptionFilter on resource: ${arn}`);
    }
    const target = targetOf(dest.targetArn);
    if (!target) throw invalidParameter(`The destination's target ${dest.targetArn} is not a supported destination.`);
    return target;
  }
  const target = targetOf(arn);
  if (!target) throw invalidParameter(`Invalid destinationArn: ${arn}. Use a Kinesis stream, Firehose stream, Lambda function or CloudWatch Logs destination ARN.`);
  // AWS's answers recorded by localstack (test_logs_subscription_filters.snapshot.json error-kinesis-not-found,
  // error-lambda-not-found): a stream needs the role Logs writes with; another account's function is refused.
  const vendor = arn.split(":")[2];
  if ((vendor === "kinesis" || vendor === "firehose") && roleArn === undefined) {
    throw invalidParameter(`destinationArn for vendor ${vendor} cannot be used without roleArn`);
  }
  if (target.account !== accountId && vendor === "lambda") {
    throw logsError(
      "AccessDeniedException",
      "Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross account lambda triggers.",
    );
  }
  // Another account's stream is reached only through a destination it shares.
  if (target.account !== accountId) {
    throw logsError("AccessDeniedException", `User with accountId: ${accountId} is not authorized to deliver to ${arn}; use a destination of that account.`);
  }
  return target;
}

export async function putSubscriptionFilter(accountId: string, _region: string, input: PutSubscriptionFilterRequest): Promise<{}> {
  const pattern = compileFilterPattern(input.filterPattern!, "subscription filter pattern");
  // The destination is judged before the group is looked for (localstack's AWS recording error-log-group-not-found).
  const target = await resolveDestination(accountId, input.destinationArn!, input.roleArn);
  await readFilterableGroup(accountId, input.logGroupName!);
  try {
    await deliver(target, controlMessage(Date.now()));
  } catch {
    throw invalidParameter("Could not deliver test message to specified destination. Check if the destination is valid.");
  }
  const name = input.filterName!;
  await changeGroupFilters(accountId, input.logGroupName!, (cur) => {
    const existing = cur.subscriptionFilters.find((f) => f.filterName === name);
    if (!existing && cur.subscriptionFilters.length >= MAX_SUBSCRIPTION_FILTERS) throw logsError("LimitExceededException", "Resource limit exceeded.");
    checkRegexQuota(cur, name, "subscription", pattern);
    const record: SubscriptionFilterRecord = {
      filterName: name,
      filterPattern: input.filterPattern!,
      destinationArn: input.destinationArn!,
      distribution: input.distribution ?? "ByLogStream",
      creationTime: existing?.creationTime ?? Date.now(),
      target,
    };
    if (input.roleArn !== undefined) record.roleArn = input.roleArn;
    if (input.applyOnTransformedLogs) record.applyOnTransformedLogs = true;
    return { ...cur, subscriptionFilters: [...cur.subscriptionFilters.filter((f) => f.filterName !== name), record] };
  });
  return {};
}

export async function deleteSubscriptionFilter(accountId: string, _region: string, input: DeleteSubscriptionFilterRequest): Promise<{}> {
  await changeGroupFilters(accountId, input.logGroupName!, (cur) => {
    // AWS's words: localstack's AWS-recorded test_logs_subscription_filters.snapshot.json error-filter-not-found.
    if (!cur.subscriptionFilters.some((f) => f.filterName === input.filterName)) {
      throw logsError("ResourceNotFoundException", "The specified subscription filter does not exist.");
    }
    return { ...cur, subscriptionFilters: cur.subscriptionFilters.filter((f) => f.filterName !== input.filterName) };
  });
  return {};
}

function toSubscriptionFilter(logGroupName: string, f: SubscriptionFilterRecord): SubscriptionFilter {
  const out: SubscriptionFilter = {
    filterName: f.filterName,
    logGroupName,
    filterPattern: f.filterPattern,
    destinationArn: f.destinationArn,
  };
  if (f.roleArn !== undefined) out.roleArn = f.roleArn;
  out.distribution = f.distribution;
  out.applyOnTransformedLogs = f.applyOnTransformedLogs ?? false;
  out.creationTime = f.creationTime;
  return out;
}

export async function describeSubscriptionFilters(
  accountId: string,
  _region: string,
  input: DescribeSubscriptionFiltersRequest,
): Promise<DescribeSubscriptionFiltersResponse> {
  const g = await readFilterableGroup(accountId, input.logGroupName!);
  const prefix = input.filterNamePrefix ?? "";
  const page = await paginate({
    operation: "DescribeSubscriptionFilters",
    query: { g: input.logGroupName, prefix },
    candidates: g.subscriptionFilters.filter((f) => f.filterName.startsWith(prefix)),
    key: (f) => [f.filterName],
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (f) => toSubscriptionFilter(g.logGroupName, f),
  });
  const out: DescribeSubscriptionFiltersResponse = { subscriptionFilters: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}
