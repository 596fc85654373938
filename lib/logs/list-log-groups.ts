/**
 * ListLogGroups, the newer listing (API reference, ListLogGroups): name,
 * ARN and class of each group, filtered by a pattern of up to five
 * alternatives (`^` for a prefix, otherwise a substring, case-sensitive,
 * `*` a wildcard) and by class, paged by nextToken (limit 1–1000, default 50).
 */
import type { ListLogGroupsRequest, ListLogGroupsResponse, LogGroupSummary } from "@aws-sdk/client-cloudwatch-logs";
import { getRecord } from "../storage/kv.js";
import { listGroupNames, logGroupsBucket, type LogGroupRecord } from "./groups.js";
import { LOG_GROUP_CLASSES, logGroupArn, logGroupKey, NEXT_TOKEN } from "./names.js";
import { paginate } from "./pagination.js";
import { violations } from "./validate.js";

/** The model's LogGroupNameRegexPattern. */
const NAME_REGEX_PATTERN = "(\\^?[\\.\\-_\\/#A-Za-z0-9]{3,24})(\\|\\^?[\\.\\-_\\/#A-Za-z0-9]{3,24}){0,4}";

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
  const v = violations();
  v.string("logGroupNamePattern", input.logGroupNamePattern, { min: 3, max: 129, pattern: NAME_REGEX_PATTERN });
  v.enumValue("logGroupClass", input.logGroupClass, LOG_GROUP_CLASSES);
  v.string("nextToken", input.nextToken, NEXT_TOKEN);
  v.number("limit", input.limit, { min: 1, max: 1000 });
  v.list("accountIdentifiers", input.accountIdentifiers, { min: 0, max: 20, member: { min: 12, max: 12, pattern: "^\\d{12}$" } });
  v.throwIfAny();
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
