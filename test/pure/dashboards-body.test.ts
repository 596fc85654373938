/**
 * The DashboardBody rules PutDashboard applies, as a specification.
 * Messages and data paths are AWS's (JSON-schema style, JSON pointers).
 */
import { describe, expect, it } from "vitest";
import { invalidBodyMessage, isNotJsonObject, MSG, validateDashboardBody } from "../../lib/dashboards/body.js";

const text = (extra: Record<string, unknown> = {}) => ({
  type: "text",
  x: 0,
  y: 0,
  width: 6,
  height: 3,
  properties: { markdown: "Hello world" },
  ...extra,
});
const metric = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "metric",
  x: 0,
  y: 0,
  width: 12,
  height: 6,
  properties,
  ...extra,
});
const cpu = ["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"];

const check = (body: unknown) => validateDashboardBody(typeof body === "string" ? body : JSON.stringify(body));
const errorsOf = (body: unknown) => check(body).errors;
const warningsOf = (body: unknown) => check(body).warnings;
const err = (DataPath: string, Message: string) => ({ DataPath, Message });

describe("the body as a whole", () => {
  it("accepts the API reference's example", () => {
    const body = {
      start: "-PT6H",
      periodOverride: "inherit",
      widgets: [
        metric({
          metrics: [cpu],
          period: 300,
          stat: "Average",
          region: "us-east-1",
          title: "EC2 Instance CPU",
          liveData: false,
          legend: { position: "right" },
        }),
        text({ y: 7, width: 3 }),
      ],
    };
    expect(check(body)).toEqual({ errors: [], warnings: [] });
  });

  it("accepts an empty widgets array", () => {
    expect(check({ widgets: [] })).toEqual({ errors: [], warnings: [] });
  });

  it.each([["not json"], ["{"], ["[]"], ['"a string"'], ["42"], ["null"], [""]])(
    "must be a JSON object (%j)",
    (body) => {
      const v = validateDashboardBody(body);
      expect(v.errors).toEqual([err("", "The field DashboardBody must be a valid JSON object")]);
      expect(isNotJsonObject(v)).toBe(true);
    },
  );

  it("must have a widgets array", () => {
    expect(errorsOf({})).toEqual([err("", "Should have required property 'widgets'")]);
    expect(errorsOf({ widgets: {} })).toEqual([err("/widgets", "Should be array")]);
  });

  it("has at most 500 widgets", () => {
    expect(errorsOf({ widgets: Array.from({ length: 500 }, () => text()) })).toEqual([]);
    expect(errorsOf({ widgets: Array.from({ length: 501 }, () => text()) })).toEqual([
      err("/widgets", "Should NOT have more than 500 items"),
    ]);
  });

  it("takes start, end and periodOverride at the top level", () => {
    expect(errorsOf({ widgets: [], start: "2018-12-17T06:00:00.000Z", end: "2018-12-17T07:00:00.000Z", periodOverride: "auto" })).toEqual([]);
    expect(errorsOf({ widgets: [], start: 5, periodOverride: "sometimes" })).toEqual([
      err("/start", "Should be string"),
      err("/periodOverride", MSG.enum),
    ]);
  });

  it("warns, but accepts, an end without a start (the end is ignored)", () => {
    const v = check({ widgets: [], end: "2018-12-17T07:00:00.000Z" });
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.DataPath)).toEqual(["/end"]);
  });

  it("checks dashboard variables", () => {
    const ok = { type: "property", property: "FunctionName", inputType: "select", id: "fn", values: [{ value: "a", label: "A" }] };
    expect(errorsOf({ widgets: [], variables: [ok] })).toEqual([]);
    expect(errorsOf({ widgets: [], variables: [{ type: "other", inputType: "dropdown" }] })).toEqual([
      err("/variables/0", "Should have required property 'property'"),
      err("/variables/0/type", MSG.enum),
      err("/variables/0/inputType", MSG.enum),
    ]);
    expect(errorsOf({ widgets: [], variables: {} })).toEqual([err("/variables", "Should be array")]);
  });

  it("reports every error, in document order", () => {
    const body = { widgets: [text({ width: 30 }), { type: "text", properties: {} }, 7] };
    expect(errorsOf(body)).toEqual([
      err("/widgets/0/width", "Should be <= 24"),
      err("/widgets/1/properties", "Should have required property 'markdown'"),
      err("/widgets/2", "Should be object"),
    ]);
  });
});

describe("every widget", () => {
  it("needs a type and properties", () => {
    expect(errorsOf({ widgets: [{}] })).toEqual([
      err("/widgets/0", "Should have required property 'type'"),
      err("/widgets/0", "Should have required property 'properties'"),
    ]);
  });

  it("has a type among metric, text, log, alarm, explorer, custom (and chart)", () => {
    expect(errorsOf({ widgets: [text({ type: "graph" })] })).toEqual([err("/widgets/0/type", MSG.enum)]);
    expect(errorsOf({ widgets: [text({ type: 3 })] })).toEqual([err("/widgets/0/type", "Should be string")]);
  });

  it("has integer positions on the 24-column grid: x 0-23, y >= 0, width 1-24, height 1-1000", () => {
    expect(errorsOf({ widgets: [text({ x: 23, width: 1, height: 1000 })] })).toEqual([]);
    expect(errorsOf({ widgets: [text({ x: 24, y: -1, width: 0, height: 1001 })] })).toEqual([
      err("/widgets/0/x", "Should be <= 23"),
      err("/widgets/0/y", "Should be >= 0"),
      err("/widgets/0/width", "Should be >= 1"),
      err("/widgets/0/height", "Should be <= 1000"),
    ]);
    expect(errorsOf({ widgets: [text({ x: 1.5, y: "0", width: null })] })).toEqual([
      err("/widgets/0/x", "Should be integer"),
      err("/widgets/0/y", "Should be integer"),
      err("/widgets/0/width", "Should be integer"),
    ]);
  });

  it("may omit its position and size altogether", () => {
    expect(errorsOf({ widgets: [{ type: "text", properties: { markdown: "x" } }] })).toEqual([]);
  });

  it("gives x and y together", () => {
    const { x: _x, ...noX } = text();
    const { y: _y, ...noY } = text();
    expect(errorsOf({ widgets: [noX] })).toEqual([err("/widgets/0", "Should have property x when property y is present")]);
    expect(errorsOf({ widgets: [noY] })).toEqual([err("/widgets/0", "Should have property y when property x is present")]);
  });

  it("is accepted with a warning when it sticks out of the grid", () => {
    const v = check({ widgets: [text({ x: 20, width: 6 })] });
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.DataPath)).toEqual(["/widgets/0"]);
  });

  it("has an object of properties", () => {
    expect(errorsOf({ widgets: [text({ properties: "hello" })] })).toEqual([err("/widgets/0/properties", "Should be object")]);
  });
});

describe("text widgets", () => {
  it("need markdown", () => {
    expect(errorsOf({ widgets: [text({ properties: {} })] })).toEqual([
      err("/widgets/0/properties", "Should have required property 'markdown'"),
    ]);
    expect(errorsOf({ widgets: [text({ properties: { markdown: 1 } })] })).toEqual([
      err("/widgets/0/properties/markdown", "Should be string"),
    ]);
  });

  it("have a transparent or solid background", () => {
    expect(errorsOf({ widgets: [text({ properties: { markdown: "x", background: "transparent" } })] })).toEqual([]);
    expect(errorsOf({ widgets: [text({ properties: { markdown: "x", background: "red" } })] })).toEqual([
      err("/widgets/0/properties/background", MSG.enum),
    ]);
  });
});

describe("metric widgets", () => {
  it("need a metrics array and a region, or an alarm annotation", () => {
    // AWS's three messages for a metric widget with neither metrics nor an alarm annotation.
    expect(errorsOf({ widgets: [metric({ region: "us-east-1", title: "t" })] })).toEqual([
      err("/widgets/0/properties", "Should have required property 'metrics'"),
      err("/widgets/0/properties", "The metric widget should have specified a region and a data source or an alarm annotation"),
      err("/widgets/0/properties", "Should have required property 'annotations'"),
    ]);
  });

  it("need a region with their metrics", () => {
    expect(errorsOf({ widgets: [metric({ metrics: [cpu] })] })).toEqual([
      err("/widgets/0/properties", MSG.metricDataSource),
    ]);
  });

  it("may graph an alarm instead (one alarm annotation, no metrics)", () => {
    const alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high";
    expect(errorsOf({ widgets: [metric({ annotations: { alarms: [alarm] } })] })).toEqual([]);
    expect(errorsOf({ widgets: [metric({ annotations: { alarms: [alarm, alarm] } })] })).toEqual([
      err("/widgets/0/properties/annotations/alarms", "Should NOT have more than 1 items"),
    ]);
    expect(errorsOf({ widgets: [metric({ region: "us-east-1", annotations: { horizontal: [{ value: 80 }] } })] })).toEqual([
      err("/widgets/0/properties", "Should have required property 'metrics'"),
      err("/widgets/0/properties", MSG.metricDataSource),
      err("/widgets/0/properties/annotations", "Should have required property 'alarms'"),
    ]);
  });

  it("accept metric lines of strings, '.' repeats, expressions and rendering properties", () => {
    const metrics = [
      [...cpu, { stat: "Maximum", color: "#ff0000", yAxis: "right", label: "max", visible: true, period: 60, id: "m1" }],
      [".", ".", ".", "i-6789"],
      [{ expression: "SUM(METRICS())", label: "total", id: "e1" }],
    ];
    expect(errorsOf({ widgets: [metric({ metrics, region: "us-east-1", view: "timeSeries", stacked: true })] })).toEqual([]);
  });

  it("allow strings only in a metric line, and an object of rendering properties at its end", () => {
    const metrics = [["AWS/EC2", "CPUUtilization", "InstanceId", 12345], [{ stat: "Sum" }, "AWS/EC2"], "AWS/EC2", []];
    expect(errorsOf({ widgets: [metric({ metrics, region: "us-east-1" })] })).toEqual([
      err("/widgets/0/properties/metrics/0/3", 'Invalid metric field type, only "String" type is allowed'),
      err("/widgets/0/properties/metrics/1/0", 'Invalid metric field type, only "String" type is allowed'),
      err("/widgets/0/properties/metrics/2", "Should be array"),
      err("/widgets/0/properties/metrics/3", "Should NOT have less than 1 items"),
    ]);
  });

  it("check rendering properties: a #rrggbb color, a left or right axis", () => {
    const metrics = [[...cpu, { color: "red", yAxis: "top" }]];
    expect(errorsOf({ widgets: [metric({ metrics, region: "us-east-1" })] })).toEqual([
      err("/widgets/0/properties/metrics/0/4/yAxis", MSG.enum),
      err("/widgets/0/properties/metrics/0/4/color", 'Should match pattern "^#([0-9a-fA-F]{6})$"'),
    ]);
  });

  it("check the widget's own settings", () => {
    const props = {
      metrics: [cpu],
      region: "us-east-1",
      view: "line",
      stacked: "yes",
      period: 0,
      legend: { position: "left" },
      yAxis: { left: { min: "0" } },
    };
    expect(errorsOf({ widgets: [metric(props)] })).toEqual([
      err("/widgets/0/properties/period", "Should be >= 1"),
      err("/widgets/0/properties/view", MSG.enum),
      err("/widgets/0/properties/stacked", "Should be boolean"),
      err("/widgets/0/properties/legend/position", MSG.enum),
      err("/widgets/0/properties/yAxis/left/min", "Should be number"),
    ]);
  });

  it("are accepted with a warning beyond 500 metrics per widget", () => {
    const metrics = Array.from({ length: 501 }, (_, i) => ["NS", `m${i}`]);
    const v = check({ widgets: [metric({ metrics, region: "us-east-1" })] });
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.DataPath)).toEqual(["/widgets/0/properties/metrics"]);
  });

  it("are accepted with a warning beyond 2500 metrics per dashboard", () => {
    const metrics = Array.from({ length: 500 }, (_, i) => ["NS", `m${i}`]);
    const widgets = Array.from({ length: 6 }, () => metric({ metrics, region: "us-east-1" }));
    const v = check({ widgets });
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.DataPath)).toEqual(["/widgets"]);
  });
});

describe("log widgets", () => {
  const log = (properties: Record<string, unknown>) => ({ type: "log", x: 0, y: 0, width: 24, height: 6, properties });

  it("need a query and a region", () => {
    expect(errorsOf({ widgets: [log({ query: "SOURCE 'g' | fields @message", region: "us-east-1", view: "table" })] })).toEqual([]);
    expect(errorsOf({ widgets: [log({ title: "logs" })] })).toEqual([
      err("/widgets/0/properties", "Should have required property 'query'"),
      err("/widgets/0/properties", "Should have required property 'region'"),
    ]);
  });

  it("have a table, timeSeries, bar or pie view", () => {
    expect(errorsOf({ widgets: [log({ query: "q", region: "r", view: "gauge" })] })).toEqual([
      err("/widgets/0/properties/view", MSG.enum),
    ]);
  });
});

describe("alarm status widgets", () => {
  const alarm = (properties: Record<string, unknown>) => ({ type: "alarm", x: 0, y: 0, width: 6, height: 6, properties });

  it("need 1 to 100 alarms", () => {
    expect(errorsOf({ widgets: [alarm({ alarms: ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"] })] })).toEqual([]);
    expect(errorsOf({ widgets: [alarm({ alarms: [] })] })).toEqual([
      err("/widgets/0/properties/alarms", "Should NOT have less than 1 items"),
    ]);
    expect(errorsOf({ widgets: [alarm({ alarms: Array.from({ length: 101 }, (_, i) => `a${i}`) })] })).toEqual([
      err("/widgets/0/properties/alarms", "Should NOT have more than 100 items"),
    ]);
    expect(errorsOf({ widgets: [alarm({})] })).toEqual([err("/widgets/0/properties", "Should have required property 'alarms'")]);
  });

  it("sort and filter by the documented values", () => {
    expect(errorsOf({ widgets: [alarm({ alarms: ["a"], sortBy: "stateUpdatedTimestamp", states: ["ALARM", "OK"] })] })).toEqual([]);
    expect(errorsOf({ widgets: [alarm({ alarms: ["a"], sortBy: "name", states: ["ALARMING"] })] })).toEqual([
      err("/widgets/0/properties/sortBy", MSG.enum),
      err("/widgets/0/properties/states/0", MSG.enum),
    ]);
  });
});

describe("explorer and custom widgets", () => {
  it("explorer widgets need metrics with a metric name and resource type", () => {
    const ok = { metrics: [{ metricName: "CPUUtilization", resourceType: "AWS::EC2::Instance", stat: "Average" }], aggregateBy: { key: "InstanceType", func: "MAX" } };
    expect(errorsOf({ widgets: [{ type: "explorer", properties: ok }] })).toEqual([]);
    expect(errorsOf({ widgets: [{ type: "explorer", properties: { metrics: [{}] } }] })).toEqual([
      err("/widgets/0/properties/metrics/0", "Should have required property 'metricName'"),
      err("/widgets/0/properties/metrics/0", "Should have required property 'resourceType'"),
    ]);
  });

  it("custom widgets need an endpoint", () => {
    expect(errorsOf({ widgets: [{ type: "custom", properties: { endpoint: "arn:aws:lambda:us-east-1:123456789012:function:w" } }] })).toEqual([]);
    expect(errorsOf({ widgets: [{ type: "custom", properties: {} }] })).toEqual([
      err("/widgets/0/properties", "Should have required property 'endpoint'"),
    ]);
  });
});

describe("the error message", () => {
  it("lists the errors as AWS does", () => {
    const errors = errorsOf({ widgets: [metric({ region: "us-east-1" })] });
    expect(invalidBodyMessage(errors)).toBe(
      "The dashboard body is invalid, there are 3 validation errors:\n" +
        "[\n" +
        "  {\n" +
        '    "dataPath": "/widgets/0/properties",\n' +
        '    "message": "Should have required property \'metrics\'"\n' +
        "  },\n" +
        "  {\n" +
        '    "dataPath": "/widgets/0/properties",\n' +
        '    "message": "The metric widget should have specified a region and a data source or an alarm annotation"\n' +
        "  },\n" +
        "  {\n" +
        '    "dataPath": "/widgets/0/properties",\n' +
        '    "message": "Should have required property \'annotations\'"\n' +
        "  }\n" +
        "]",
    );
  });

  it("unknown members are accepted", () => {
    expect(warningsOf({ widgets: [text({ properties: { markdown: "x", future: 1 }, extra: true })], theme: "dark" })).toEqual([]);
    expect(errorsOf({ widgets: [text({ properties: { markdown: "x", future: 1 }, extra: true })], theme: "dark" })).toEqual([]);
  });
});
