/**
 * The unit a query without Unit answers with when a metric holds several:
 * the recorded AWS answers (localstack's
 * test_get_metric_data_different_units_no_unit_in_query: Count over
 * Milliseconds over Seconds), and the rule that reproduces them, the
 * iteration order of a Java HashSet (capacity 64) of AWS's 27 unit names.
 */
import { StandardUnit } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import { byPreference, multipleUnitsMessage } from "../../lib/metrics/read/unit-choice.js";

/** java.lang.String#hashCode, spread as java.util.HashMap#hash does. */
function javaBucket(s: string, capacity: number): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return ((h ^ (h >>> 16)) >>> 0) & (capacity - 1);
}

describe("the unit answered with", () => {
  it.each([
    [["Seconds", "Milliseconds"], "Milliseconds"],
    [["Seconds", "Milliseconds", "Count"], "Count"],
  ])("of %j is %s, as AWS answered", (units, first) => {
    expect(byPreference(units)[0]).toBe(first);
  });

  it("follows a Java HashSet's order of every unit name, added in the Java SDK's StandardUnit order", () => {
    const units = [
      "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
      "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
      "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
      "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ];
    expect([...units].sort()).toEqual([...(Object.values(StandardUnit) as string[])].sort());
    const java = [...units.entries()]
      .sort(([i, a], [j, b]) => javaBucket(a, 64) - javaBucket(b, 64) || i - j)
      .map(([, u]) => u);
    expect(byPreference([...units].reverse())).toEqual(java);
  });

  it("names every unit found in the message, in that order", () => {
    expect(multipleUnitsMessage(byPreference(["Seconds", "Count", "Milliseconds"]))).toEqual({
      Code: "MultipleUnits",
      Value: "Multiple units returned: '[Count, Milliseconds, Seconds]'",
    });
  });
});
