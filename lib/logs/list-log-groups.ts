/**
 * ListLogGroups, the newer listing (API reference, ListLogGroups): name,
 * ARN and class of each group, filtered by a pattern of up to five
 * alternatives (`^` for a prefix, otherwise a substring, case-sensitive,
 * `*` a wildcard) and by class, paged by nextToken (limit 1–1000, default 50).
 */
import type { ListLogGroupsRequest, ListLogGroupsResponse, LogGroupSummary } from "@aws-sdk/client-cloudwatch-logs";
import { getRecord } from "../storage/kv.js";
import { listGroupNames, logGroupsBucket, type LogGroupRecord } from "./groups.js";
import { logGroupArn, logGroupKey } from "./names.js";
import { paginate } from "./pagination.js";

function matcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const alternatives = pattern.split("|").map((alt) => {
    const anchored = alt.startsWith("^");
    const body = (anchored ? alt.slice(1) : alt).split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join(".*");
    return new RegExp(anchored ? `^${body}` : body);
  });
  return (name) => alternatives.some((re) => re.test(name));
}

export async function listLogGroups(accountId: string, region: string, input: ListLogGroupsRequest): Promise<ListLogGroupsResponse> {
  const kv = await logGroupsBucket();
  const matches = matcher(input.logGroupNamePattern);
  const names = (await listGroupNames(kv, accountId)).filter(matches);
  const page = await paginate({
    operation: "ListLogGroups",
    query: { pattern: input.logGroupNamePattern, cls: input.logGroupClass },
    candidates: names,
    key: (n) => [n],
    limit: input.limit ?? 50,
    nextToken: input.nextToken,
    load: async (n): Promise<LogGroupSummary | undefined> => {
      const rec = await getRecord<LogGroupRecord>(kv, logGroupKey(accountId, n));
      if (!rec) return undefined;
      if (input.logGroupClass !== undefined && rec.value.logGroupClass !== input.logGroupClass) return undefined;
      return { logGroupName: n, logGroupArn: logGroupArn(region, accountId, n), logGroupClass: rec.value.logGroupClass };
    },
  });
  const out: ListLogGroupsResponse = { logGroups: page.items };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}
