/**
 * GetMetricData's metric math answers as AWS documents them, through real
 * clients (the JS SDK over awsJson1_0 and awsQuery). Each case cites where
 * AWS's answer is written: the tables and sentences of the user guide's
 * "Metric math syntax and functions"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html,
 * also awsdocs/amazon-cloudwatch-user-guide doc_source/using-metric-math.md).
 */
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { MIN, minuteGrid } from "../support/minutes.js";

let stack: Stack;
const RUN = `mathans${Date.now().toString(36)}`;
/** Five whole minutes, the first 20 minutes ago; `-` (undefined) is a minute without data. */
const { T0 } = minuteGrid(20);
const RANGE = { StartTime: new Date(T0), EndTime: new Date(T0 + 5 * MIN) };
type Slots = Array<number | undefined>;
const _ = undefined;

beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

/** The guide's example series, each a metric of its own; the Sum of one datum per minute. */
const SERIES: Record<string, Slots> = {
  // "Comparison and logical operators": metric1 [30, 20, 0, 0], metric2 [20, -, 20, -].
  cmp1: [30, 20, 0, 0, _],
  cmp2: [20, _, 20, _, _],
  // "Using IF expressions": metric1 [1, 1, 0, 0, -], metric2 [30, -, 0, 0, 30], metric3 [0, 0, 20, -, 20].
  if1: [1, 1, 0, 0, _],
  if2: [30, _, 0, 0, 30],
  if3: [0, 0, 20, _, 20],
  // Arithmetic with gaps on both sides and a zero divisor.
  ar1: [1, 2, 3, _, 5],
  ar2: [10, _, 30, 40, 0],
};

const metricQuery = (id: string, ns: string): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: ns, MetricName: id }, Period: 60, Stat: "Sum" },
  ReturnData: false,
});

/** One expression over the example metrics, as five minute slots (undefined where AWS returns no point). */
async function slots(cw: CloudWatchClient, ns: string, expression: string): Promise<Slots> {
  const out = await cw.send(
    new GetMetricDataCommand({
      ...RANGE,
      ScanBy: "TimestampAscending",
      MetricDataQueries: [...Object.keys(SERIES).map((id) => metricQuery(id, ns)), { Id: "e1", Expression: expression, Period: 60 }],
    }),
  );
  const r = out.MetricDataResults!.find((x) => x.Id === "e1")!;
  expect(r.StatusCode).toBe("Complete");
  const got: Slots = [_, _, _, _, _];
  r.Timestamps!.forEach((t, i) => {
    got[(t.getTime() - T0) / MIN] = r.Values![i];
  });
  return got;
}

const PROTOCOLS: Protocol[] = ["json", "query"];

describe.each(PROTOCOLS)("metric math over %s", (protocol) => {
  let cw: CloudWatchClient;
  const ns = `${RUN}/${protocol}`;

  beforeAll(async () => {
    cw = cloudWatchClient(stack, { protocol });
    const data = Object.entries(SERIES).flatMap(([name, values]) =>
      values.flatMap((v, m) => (v === undefined ? [] : [{ MetricName: name, Value: v, Timestamp: new Date(T0 + m * MIN + 10_000) }])),
    );
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
  }, 60_000);
  afterAll(() => cw?.destroy());

  // "Basic arithmetic functions": "Missing values in a time series are treated as 0. If the value of a
  // data point causes a function to attempt to divide by zero, the data point is dropped." (The guide's words; the
  // series and the answers are ours, worked by those two sentences.)
  it.each([
    ["ar1 + ar2", [11, 2, 33, 40, 5]],
    ["ar2 - ar1", [9, -2, 27, 40, -5]],
    ["ar1 * ar2", [10, 0, 90, 0, 0]],
    ["ar1 / ar2", [0.1, _, 0.1, 0, _]], // 2 / 0 and 5 / 0 are dropped
    ["ar2 / ar1", [10, 0, 10, _, 0]], // 40 / 0 is dropped
    ["ar1 + ar2 * 2", [21, 2, 63, 80, 5]],
  ] as Array<[string, Slots]>)("%s treats a missing value as 0 and drops a division by zero", async (expression, want) => {
    expect(await slots(cw, ns, expression)).toEqual(want);
  });

  it("combines each series of an array with a series by the same rule", async () => {
    // SUM(100/[m1, m2]) and AVG([m1,m2]/m3) are the guide's own examples of TS[] with TS. That a minute neither
    // series has gives no point (minute 1 of if2 - ar2) is our choice: the guide has no example of it.
    // ar1 - ar2 is [-9, 2, -27, -40, 5]; if2 - ar2 is [20, -, -30, -40, 30] (neither has minute 1).
    expect(await slots(cw, ns, "SUM([ar1, if2] - ar2)")).toEqual([11, 2, -57, -80, 35]);
  });

  // "Comparison and logical operators", the guide's table of expressions over metric1 and metric2. The guide has four
  // timestamps; the fifth, where neither has a value, giving no point is our choice (no AWS answer found).
  it.each([
    ["cmp1 < cmp2", [0, 0, 1, 0, _]],
    ["cmp1 >= 30", [1, 0, 0, 0, _]],
    ["cmp1 > 15 AND cmp2 > 15", [1, 0, 0, 0, _]],
  ] as Array<[string, Slots]>)("%s answers the guide's table", async (expression, want) => {
    expect(await slots(cw, ns, expression)).toEqual(want);
  });

  // "Using IF expressions", the guide's three tables. One differs: for IF(metric1, metric2, scalar3) the guide's table
  // prints 5 at the fifth timestamp, where metric1 has no point; we follow its text ("For each data point of
  // metric1"), as its first two tables do, and answer none there: our choice.
  it.each([
    ["IF(if1, if2, if3)", [30, 0, 20, _, _]],
    ["IF(if1, 5, if3)", [5, 5, 20, _, _]],
    ["IF(if1, if2, 5)", [30, 0, 5, 5, _]],
  ] as Array<[string, Slots]>)("%s answers the guide's table", async (expression, want) => {
    expect(await slots(cw, ns, expression)).toEqual(want);
  });
});
