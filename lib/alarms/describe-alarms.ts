/**
 * DescribeAlarms and DescribeAlarmsForMetric over the account's alarms in the
 * region. Without AlarmTypes only metric alarms are returned (AWS's rule);
 * ChildrenOfAlarmName and ParentsOfAlarmName follow composite rules and
 * return alarms of both types. Pages are in name order.
 */
import type {
  DescribeAlarmsForMetricInput,
  DescribeAlarmsForMetricOutput,
  DescribeAlarmsInput,
  DescribeAlarmsOutput,
} from "@aws-sdk/client-cloudwatch";
import { invalidNextToken, invalidParameterCombination } from "../errors.js";
import type { AlarmRecord } from "./alarm.js";
import { referencedName } from "./evaluate/composite.js";
import { parseRule, ruleAlarms } from "./rule/parser.js";
import { listAlarms } from "./store.js";
import { toCompositeAlarm, toMetricAlarm } from "./view.js";

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after }), "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (t?.v === 1 && typeof t.after === "string") return t.after;
  } catch {
    // fall through
  }
  throw invalidNextToken();
}

/** Names of the alarms a composite's rule refers to (in this account and region). */
export function childrenOf(a: AlarmRecord, account: string): string[] {
  if (!a.composite) return [];
  return [...ruleAlarms(parseRule(a.composite.rule))].map((r) => referencedName(r, a.region, account)).filter((n): n is string => !!n);
}

export async function describeAlarms(account: string, region: string, input: DescribeAlarmsInput): Promise<DescribeAlarmsOutput> {
  // MaxRecords' range, the AlarmNames bound and the enums were answered by the validation stage from the model.
  const max = input.MaxRecords ?? 50;
  if (input.AlarmNames?.length && input.AlarmNamePrefix !== undefined) {
    throw invalidParameterCombination("The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.");
  }
  const relation = input.ChildrenOfAlarmName ?? input.ParentsOfAlarmName;
  if (input.ChildrenOfAlarmName !== undefined && input.ParentsOfAlarmName !== undefined) {
    throw invalidParameterCombination("The parameters ChildrenOfAlarmName and ParentsOfAlarmName are mutually exclusive and you have specified both.");
  }
  if (relation !== undefined && (input.AlarmNames?.length || input.AlarmNamePrefix !== undefined || input.StateValue || input.ActionPrefix || input.AlarmTypes?.length)) {
    // "If you specify ChildrenOfAlarmName/ParentsOfAlarmName, you cannot specify any other parameters in the request except for MaxRecords and NextToken."
    const p = input.ChildrenOfAlarmName !== undefined ? "ChildrenOfAlarmName" : "ParentsOfAlarmName";
    throw invalidParameterCombination(`If you specify ${p}, you cannot specify any other parameters in the request except for MaxRecords and NextToken.`);
  }
  const after = input.NextToken ? decodeToken(input.NextToken) : undefined;

  const all = await listAlarms(account, region);
  let selected: AlarmRecord[];
  if (input.ChildrenOfAlarmName !== undefined) {
    const parent = all.find((a) => a.name === input.ChildrenOfAlarmName && a.type === "CompositeAlarm");
    const names = new Set(parent ? childrenOf(parent, account) : []);
    selected = all.filter((a) => names.has(a.name));
  } else if (input.ParentsOfAlarmName !== undefined) {
    selected = all.filter((a) => a.type === "CompositeAlarm" && childrenOf(a, account).includes(input.ParentsOfAlarmName!));
  } else {
    const types = new Set<string>(input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"]);
    const names = input.AlarmNames?.length ? new Set(input.AlarmNames) : undefined;
    selected = all.filter(
      (a) =>
        types.has(a.type) &&
        (!names || names.has(a.name)) &&
        (input.AlarmNamePrefix === undefined || a.name.startsWith(input.AlarmNamePrefix)) &&
        (!input.StateValue || a.state.value === input.StateValue) &&
        (!input.ActionPrefix || [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions].some((x) => x.startsWith(input.ActionPrefix!))),
    );
  }
  const rest = after === undefined ? selected : selected.filter((a) => a.name > after);
  const page = rest.slice(0, max);
  const out: DescribeAlarmsOutput = {
    MetricAlarms: page.filter((a) => a.type === "MetricAlarm").map((a) => toMetricAlarm(account, a)),
    CompositeAlarms: page.filter((a) => a.type === "CompositeAlarm").map((a) => toCompositeAlarm(account, a)),
    // AWS answers an empty LogAlarms list too (localstack's AWS-recorded test_basic_operations_multiple_protocols,
    // 2025-10-06); log alarms are not built here.
    LogAlarms: [],
  };
  if (rest.length > page.length) out.NextToken = encodeToken(page[page.length - 1].name);
  return out;
}

export async function describeAlarmsForMetric(account: string, region: string, input: DescribeAlarmsForMetricInput): Promise<DescribeAlarmsForMetricOutput> {
  if (input.Statistic !== undefined && input.ExtendedStatistic !== undefined) {
    throw invalidParameterCombination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.");
  }
  const dims = input.Dimensions ?? [];
  const sameDims = (a: AlarmRecord) => {
    const mine = a.metric!.dimensions;
    return mine.length === dims.length && dims.every((d) => mine.some((m) => m.Name === d.Name && m.Value === d.Value));
  };
  const all = await listAlarms(account, region);
  const found = all.filter((a) => {
    const m = a.metric;
    if (!m || m.metrics) return false;
    return (
      m.metricName === input.MetricName &&
      m.namespace === input.Namespace &&
      (input.Dimensions === undefined || sameDims(a)) &&
      (input.Statistic === undefined || m.statistic === input.Statistic) &&
      (input.ExtendedStatistic === undefined || m.extendedStatistic === input.ExtendedStatistic) &&
      (input.Period === undefined || m.period === input.Period) &&
      (input.Unit === undefined || m.unit === input.Unit)
    );
  });
  return { MetricAlarms: found.map((a) => toMetricAlarm(account, a)) };
}
