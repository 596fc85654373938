/**
 * Which unit's datapoints a query without a Unit answers with, when a metric
 * holds data of several units. AWS does not add values of different units:
 * it answers with one unit's and says so in a MultipleUnits message
 * (localstack's test_get_metric_data_different_units_no_unit_in_query,
 * recorded against AWS: Count over Milliseconds over Seconds).
 *
 * The order is the one that test's authors found AWS to pick by: the 27 unit
 * names in the iteration order of a Java HashSet of them (capacity 64, added
 * in the Java SDK's StandardUnit order), which reproduces every recorded
 * choice (test/pure/metrics-unit-choice.test.ts derives it).
 */
const PREFERENCE = [
  "Megabits", "Terabits", "Gigabits", "Count", "Bytes", "Gigabytes", "Gigabytes/Second", "Kilobytes",
  "Kilobits/Second", "Terabytes", "Terabits/Second", "Bytes/Second", "Percent", "Megabytes", "Megabits/Second",
  "Milliseconds", "Microseconds", "Kilobytes/Second", "Gigabits/Second", "Megabytes/Second", "Bits", "Bits/Second",
  "Count/Second", "Seconds", "Kilobits", "Terabytes/Second", "None",
];
const RANK = new Map(PREFERENCE.map((u, i) => [u, i]));
const rank = (u: string) => RANK.get(u) ?? PREFERENCE.length;

/** The units in AWS's order of preference: the first is the one answered with. */
export function byPreference(units: Iterable<string>): string[] {
  return [...units].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** AWS's MetricDataResult message when several units were found and one was returned. */
export const multipleUnitsMessage = (units: string[]) => ({
  Code: "MultipleUnits",
  Value: `Multiple units returned: '[${units.join(", ")}]'`,
});
