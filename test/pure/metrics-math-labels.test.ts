/**
 * Dynamic labels: ${...} placeholders in a query's Label, filled from the
 * series it returns (AWS "Use dynamic labels").
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import { formatDuration, parseTimezone, renderLabel } from "../../lib/metrics/query/math/labels.js";
import type { Series } from "../../lib/metrics/types.js";

const H = 3_600_000;
const MIN = 60_000;
/** 2024-05-01 13:30:00 UTC */
const T = Date.UTC(2024, 4, 1, 13, 30);

// Values 4, 9, 1, 9, 6 at T, T+1m ... T+4m: min 1 at T+2m, max 9 first at T+1m.
const series: Series = {
  label: "CPU",
  timestamps: [0, 1, 2, 3, 4].map((i) => T + i * MIN),
  values: [4, 9, 1, 9, 6],
  metric: { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: [{ name: "InstanceId", value: "i-123" }] },
};
const empty: Series = { label: "Nothing", timestamps: [], values: [] };
const NOW = T + 4 * MIN + 2 * H; // two hours after the last point
const render = (template: string, s: Series = series, timezone?: string) => renderLabel(template, s, { id: "m1", now: NOW, timezone });

describe("dynamic labels: statistics", () => {
  it("${SUM} ${AVG} ${MIN} ${MAX} ${DATAPOINT_COUNT}", () => {
    // Sum 4+9+1+9+6 = 29, average 29/5.
    expect(render("${SUM}|${AVG}|${MIN}|${MAX}|${DATAPOINT_COUNT}")).toBe("29|5.8|1|9|5");
  });

  it("${FIRST} ${LAST} are the oldest and newest values; ${FIRST_LAST_RANGE} is newest minus oldest", () => {
    expect(render("${FIRST}|${LAST}|${FIRST_LAST_RANGE}")).toBe("4|6|2");
  });

  it("${MIN_MAX_RANGE} is max minus min (also spelled ${MAX_MIN_RANGE})", () => {
    expect(render("${MIN_MAX_RANGE}|${MAX_MIN_RANGE}")).toBe("8|8");
  });

  it("prints numbers without float noise", () => {
    const s: Series = { label: "x", timestamps: [T, T + MIN], values: [0.1, 0.2] };
    expect(render("${SUM}", s)).toBe("0.3");
  });

  it("uses the oldest and newest points even when the series is in descending order", () => {
    const desc: Series = { ...series, timestamps: [...series.timestamps].reverse(), values: [...series.values].reverse() };
    expect(render("${FIRST}|${LAST}|${FIRST_TIME}")).toBe(render("${FIRST}|${LAST}|${FIRST_TIME}", desc));
  });
});

describe("dynamic labels: times and durations", () => {
  it("${FIRST_TIME} ${LAST_TIME} ${MIN_TIME} ${MAX_TIME} in UTC by default; MAX_TIME is the earliest of equal maxima", () => {
    expect(render("${FIRST_TIME}")).toBe("2024-05-01T13:30:00Z");
    expect(render("${LAST_TIME}")).toBe("2024-05-01T13:34:00Z");
    expect(render("${MIN_TIME}")).toBe("2024-05-01T13:32:00Z");
    expect(render("${MAX_TIME}")).toBe("2024-05-01T13:31:00Z");
  });

  it("in the LabelOptions time zone", () => {
    expect(render("${FIRST_TIME}", series, "+0130")).toBe("2024-05-01T15:00:00+01:30");
    expect(render("${FIRST_TIME}", series, "-0800")).toBe("2024-05-01T05:30:00-08:00");
    expect(render("${FIRST_TIME}", series, "+0000")).toBe("2024-05-01T13:30:00Z");
  });

  it("${FIRST_LAST_TIME_RANGE} and ${MIN_MAX_TIME_RANGE} are absolute durations", () => {
    expect(render("${FIRST_LAST_TIME_RANGE}")).toBe("4m");
    expect(render("${MIN_MAX_TIME_RANGE}|${MAX_MIN_TIME_RANGE}")).toBe("1m|1m");
  });

  it("the *_TIME_RELATIVE values are the durations from each point to now", () => {
    expect(render("${LAST_TIME_RELATIVE}")).toBe("2h");
    expect(render("${FIRST_TIME_RELATIVE}")).toBe("2h 4m");
    expect(render("${MIN_TIME_RELATIVE}|${MAX_TIME_RELATIVE}")).toBe("2h 2m|2h 3m");
  });

  it("durations use whole days, hours, minutes and seconds, leaving out zeros", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(45_000)).toBe("45s");
    expect(formatDuration(26 * H + 30 * MIN + 5_000)).toBe("1d 2h 30m 5s");
    expect(formatDuration(-90_000)).toBe("1m 30s");
  });
});

describe("dynamic labels: ${LABEL} and ${PROP(...)}", () => {
  it("${LABEL} is the series' default label, or the query id when it has none", () => {
    expect(render("[max: ${MAX}] ${LABEL}")).toBe("[max: 9] CPU");
    expect(render("${LABEL}", { ...series, label: "" })).toBe("m1");
  });

  it("PROP('MetricName'), PROP('Namespace') and PROP('Dim.<name>') come from the metric identity", () => {
    expect(render("${PROP('Namespace')}/${PROP('MetricName')} ${PROP('Dim.InstanceId')}")).toBe("AWS/EC2/CPUUtilization i-123");
    expect(render('${PROP("Dim.InstanceId")}')).toBe("i-123");
    expect(render("[${PROP('Dim.Missing')}]")).toBe("[]");
  });

  it("PROP('Stat'), PROP('Period'), PROP('AccountId'), PROP('Region') come from the query", () => {
    const label = renderLabel("${PROP('Stat')} ${PROP('Period')} ${PROP('AccountId')} ${PROP('Region')}", series, {
      id: "m1",
      propSource: { stat: "p99", periodSeconds: 300, accountId: "123456789012", region: "eu-west-1" },
    });
    expect(label).toBe("p99 300 123456789012 eu-west-1");
  });

  it("a series without a metric identity can take one from the query", () => {
    const label = renderLabel("${PROP('MetricName')}", empty, { id: "e1", propSource: { metric: series.metric } });
    expect(label).toBe("CPUUtilization");
  });
});

describe("dynamic labels: edge cases", () => {
  it("a series without data has empty statistics and a count of 0", () => {
    expect(render("a${MAX}b${FIRST_TIME}c${DATAPOINT_COUNT}d${LABEL}", empty)).toBe("abc0dNothing");
  });

  it("leaves unknown or malformed placeholders as written", () => {
    expect(render("${NOPE} ${MAX ${PROP('Bogus')} ${PROP('Dim.x'} $MAX ${MAX}")).toBe("${NOPE} ${MAX ${PROP('Bogus')} ${PROP('Dim.x'} $MAX 9");
  });

  it("returns a label without placeholders unchanged", () => {
    expect(render("Errors (count)")).toBe("Errors (count)");
  });
});

describe("LabelOptions.Timezone", () => {
  it("is + or - and four digits: minutes east of UTC", () => {
    expect(parseTimezone(undefined)).toBe(0);
    expect(parseTimezone("+0130")).toBe(90);
    expect(parseTimezone("-0800")).toBe(-480);
  });

  for (const bad of ["0130", "+130", "+2400", "+0160", "UTC", "+01:30"]) {
    it(`rejects ${bad} as an InvalidParameterValue`, () => {
      let error: unknown;
      try {
        parseTimezone(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code).toBe("InvalidParameterValue");
      expect((error as ServiceError).status).toBe(400);
    });
  }
});

