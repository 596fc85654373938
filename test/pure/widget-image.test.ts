/**
 * GetMetricWidgetImage's MetricWidget rules and its PNG drawing, as a
 * specification. The structure, limits and defaults are those of
 * "GetMetricWidgetImage: Metric Widget Structure and Syntax" (CloudWatch API
 * reference): metrics 1-100, width and height 1-2000 defaulting to 600×400,
 * start -PT3H and end -PT0H by default, period 300 by default.
 */
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseColor } from "../../lib/widget-image/canvas.js";
import { encodePng } from "../../lib/widget-image/png.js";
import { PALETTE, renderWidget, type SeriesData } from "../../lib/widget-image/render.js";
import { parseMetricWidget, parseWidgetTime } from "../../lib/widget-image/widget.js";

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const ACCOUNT = "000000000000";
const cpu = ["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"];
const parse = (widget: unknown) => parseMetricWidget(typeof widget === "string" ? widget : JSON.stringify(widget), ACCOUNT, NOW);

/** The problems of an invalid widget, from the InvalidParameterInput message. */
function problemsOf(widget: unknown): { code: string; problems: unknown } {
  try {
    parse(widget);
  } catch (e: any) {
    const json = e.message.indexOf("[");
    return { code: e.code, problems: json >= 0 ? JSON.parse(e.message.slice(json)) : e.message };
  }
  throw new Error("the widget was accepted");
}

/** Decodes an RGB PNG written by encodePng (rows filtered None or Sub). */
function decodePng(png: Buffer): { width: number; height: number; pixel: (x: number, y: number) => [number, number, number] } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    if (png.toString("latin1", at + 4, at + 8) === "IDAT") chunks.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = width * 3;
  const rgb = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      rgb[y * stride + x] = filter === 1 ? (v + (x >= 3 ? rgb[y * stride + x - 3] : 0)) & 0xff : v;
    }
  }
  return { width, height, pixel: (x, y) => [rgb[(y * width + x) * 3], rgb[(y * width + x) * 3 + 1], rgb[(y * width + x) * 3 + 2]] };
}

describe("the MetricWidget", () => {
  it("defaults to 600×400 pixels, the last three hours, period 300 and Average", () => {
    const spec = parse({ metrics: [cpu] });
    expect([spec.width, spec.height]).toEqual([600, 400]);
    expect([spec.start, spec.end]).toEqual([NOW - 3 * 3600_000, NOW]);
    expect(spec.queries).toEqual([
      {
        Id: "m1",
        MetricStat: {
          Metric: { Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: "i-1" }] },
          Period: 300,
          Stat: "Average",
        },
        Label: undefined,
        ReturnData: true,
      },
    ]);
  });

  it('repeats the field above for "." and the rest of the line above for "..."', () => {
    const spec = parse({
      metrics: [cpu, [".", ".", ".", "i-2", { stat: "Maximum" }], ["...", { id: "x" }], [".", "NetworkIn", { period: 60 }]],
      stat: "Sum",
    });
    expect(spec.queries.map((q) => [q.Id, q.MetricStat!.Metric!.MetricName, q.MetricStat!.Metric!.Dimensions, q.MetricStat!.Stat, q.MetricStat!.Period])).toEqual([
      ["m1", "CPUUtilization", [{ Name: "InstanceId", Value: "i-1" }], "Sum", 300],
      ["m2", "CPUUtilization", [{ Name: "InstanceId", Value: "i-2" }], "Maximum", 300],
      ["x", "CPUUtilization", [{ Name: "InstanceId", Value: "i-2" }], "Sum", 300],
      ["m4", "NetworkIn", [], "Sum", 60],
    ]);
  });

  it("turns an expression line into a math query and hides lines with visible false", () => {
    const spec = parse({ metrics: [[...cpu, { id: "m1", visible: false }], [{ expression: "m1 * 2", label: "Double" }]] });
    expect(spec.queries[0].ReturnData).toBe(false);
    expect(spec.queries[1]).toMatchObject({ Id: "m2", Expression: "m1 * 2", Label: "Double", ReturnData: true });
    expect(spec.lines.map((l) => l.label)).toEqual(["Double"]);
  });

  it("does not read a metric of another account", () => {
    const spec = parse({ metrics: [[...cpu, { accountId: "111111111111" }]] });
    expect(spec.queries[0].ReturnData).toBe(false);
    expect(spec.lines[0].readable).toBe(false);
  });

  it.each([
    ["-PT3H", NOW - 3 * 3600_000],
    ["-PT15M", NOW - 15 * 60_000],
    ["-P7D", NOW - 7 * 86400_000],
    ["-P1W", NOW - 7 * 86400_000],
    ["-PT0H", NOW],
    ["2018-04-25T12:00:00.000Z", Date.UTC(2018, 3, 25, 12)],
    ["2018-04-25T12:00:00Z", Date.UTC(2018, 3, 25, 12)],
    ["2018-04-25T12:00:00+01:00", Date.UTC(2018, 3, 25, 11)],
  ])("reads the time %s", (text, expected) => {
    expect(parseWidgetTime(text, NOW)).toBe(expected);
  });

  it.each(["yesterday", "-P", "PT3H-", "2018-13-45T99:00:00Z"])("does not read %s as a time", (text) => {
    expect(parseWidgetTime(text, NOW)).toBeUndefined();
  });

  it("accepts members it does not know, as PutDashboard does", () => {
    expect(parse({ metrics: [cpu], sparkline: true, setPeriodToTimeRange: false }).queries).toHaveLength(1);
  });

  it("answers InvalidParameterInput for text that is not a JSON object", () => {
    for (const text of ["{", "[]", "42", "null"]) {
      expect(problemsOf(text)).toEqual({ code: "InvalidParameterInput", problems: "The field MetricWidget must be a valid JSON object" });
    }
  });

  it.each<[string, unknown, unknown[]]>([
    ["no metrics", { title: "x" }, [{ dataPath: "", message: "Should have required property 'metrics'" }]],
    ["an empty metrics array", { metrics: [] }, [{ dataPath: "/metrics", message: "Should NOT have less than 1 items" }]],
    ["101 metrics", { metrics: Array.from({ length: 101 }, () => cpu) }, [{ dataPath: "/metrics", message: "Should NOT have more than 100 items" }]],
    ["a metric line that is not an array", { metrics: ["AWS/EC2"] }, [{ dataPath: "/metrics/0", message: "Should be array" }]],
    ["a number among the metric fields", { metrics: [["AWS/EC2", 5]] }, [{ dataPath: "/metrics/0/1", message: 'Invalid metric field type, only "String" type is allowed' }]],
    ["width 0 and height 2001", { metrics: [cpu], width: 0, height: 2001 }, [
      { dataPath: "/width", message: "Should be >= 1" },
      { dataPath: "/height", message: "Should be <= 2000" },
    ]],
    ["a width that is not an integer", { metrics: [cpu], width: "600" }, [{ dataPath: "/width", message: "Should be integer" }]],
    ["a bad colour", { metrics: [[...cpu, { color: "red" }]] }, [{ dataPath: "/metrics/0/4/color", message: 'Should match pattern "^#([0-9a-fA-F]{6})$"' }]],
    ["an unknown view", { metrics: [cpu], view: "map" }, [{ dataPath: "/view", message: "Should be equal to one of the allowed values" }]],
    ["an unknown legend position", { metrics: [cpu], legend: { position: "top" } }, [{ dataPath: "/legend/position", message: "Should be equal to one of the allowed values" }]],
    ["a horizontal annotation without a value", { metrics: [cpu], annotations: { horizontal: [{ label: "x" }] } }, [{ dataPath: "/annotations/horizontal/0", message: "Should have required property 'value'" }]],
    ["a timezone not of the +HHMM form", { metrics: [cpu], timezone: "UTC" }, [{ dataPath: "/timezone", message: 'Should match pattern "^[+-][0-9]{4}$"' }]],
    ["a dimension without its value", { metrics: [["AWS/EC2", "CPUUtilization", "InstanceId"]] }, [{ dataPath: "/metrics/0", message: "Should have a value for every dimension name" }]],
    ["an expression line without an expression", { metrics: [[{ id: "e1" }]] }, [{ dataPath: "/metrics/0/0", message: "Should have required property 'expression'" }]],
  ])("rejects %s with InvalidParameterInput listing each problem", (_, widget, problems) => {
    expect(problemsOf(widget)).toEqual({ code: "InvalidParameterInput", problems });
  });
});

describe("the image", () => {
  const spec = parse({ metrics: [cpu, [".", ".", ".", "i-2"]], width: 400, height: 250, title: "CPU" });
  const points = (n: number) => Array.from({ length: n }, (_, i) => spec.start + (i + 1) * 300_000);
  const series = (values: number[], n: number, yAxis: "left" | "right" = "left"): SeriesData => ({
    label: `line ${n}`,
    color: PALETTE[n],
    yAxis,
    timestamps: points(values.length),
    values,
  });

  it("is a PNG of the width and height asked for", () => {
    const { canvas } = renderWidget(spec, []);
    const png = encodePng(canvas.width, canvas.height, canvas.pixels);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString("latin1", 12, 16)).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([400, 250]);
    expect(png.toString("latin1", png.length - 8, png.length - 4)).toBe("IEND");
  });

  it("draws each series in the palette's colours, the higher values above the lower", () => {
    const { canvas, plot } = renderWidget(spec, [series(Array(30).fill(10), 0), series(Array(30).fill(20), 1)]);
    const image = decodePng(encodePng(canvas.width, canvas.height, canvas.pixels));
    const x = Math.round(plot.x + plot.w / 2);
    const rowOf = (hex: string) => {
      const c = parseColor(hex);
      for (let y = plot.y; y <= plot.y + plot.h; y++) if (image.pixel(x, y).every((v, i) => v === c[i])) return y;
      return -1;
    };
    const blue = rowOf(PALETTE[0]);
    const orange = rowOf(PALETTE[1]);
    expect(blue).toBeGreaterThan(0);
    expect(orange).toBeGreaterThan(0);
    expect(orange).toBeLessThan(blue);
  });

  it("leaves the plot empty where there is no data", () => {
    const { canvas, plot } = renderWidget(spec, [series([5, 6], 0)]);
    const c = parseColor(PALETTE[0]);
    const x = Math.round(plot.x + plot.w * 0.75);
    let found = false;
    for (let y = plot.y; y <= plot.y + plot.h; y++) if (canvas.get(x, y).every((v, i) => v === c[i])) found = true;
    expect(found).toBe(false);
  });

  it("draws a horizontal annotation across the plot at its value", () => {
    const annotated = parse({ metrics: [cpu], width: 300, height: 200, yAxis: { left: { min: 0, max: 100 } }, annotations: { horizontal: [{ value: 50, color: "#00ff00" }] } });
    const { canvas, plot } = renderWidget(annotated, []);
    const green = [0, 255, 0];
    const mid = plot.y + plot.h / 2;
    const rows = [Math.floor(mid), Math.ceil(mid)];
    for (const fraction of [0.1, 0.5, 0.9]) {
      const x = Math.round(plot.x + plot.w * fraction);
      expect(rows.some((y) => canvas.get(x, y).every((v, i) => v === green[i]))).toBe(true);
    }
  });

  it.each([
    [1, 1],
    [2000, 2000],
    [37, 900],
  ])("renders a %i×%i image without drawing outside it", (width, height) => {
    const tiny = parse({ metrics: [cpu], width, height, title: "A long title that cannot fit" });
    const { canvas } = renderWidget(tiny, [series([1, 2, 3], 0)]);
    const png = encodePng(canvas.width, canvas.height, canvas.pixels);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
    expect(decodePng(png).pixel(width - 1, height - 1)).toHaveLength(3);
  });
});

describe("a widget with many points", () => {
  it("draws 200,000 values of a series", () => {
    const spec = parseMetricWidget(JSON.stringify({ metrics: [cpu], width: 300, height: 200 }), ACCOUNT, NOW);
    const n = 200_000;
    const timestamps = Array.from({ length: n }, (_, i) => spec.start + (i * (spec.end - spec.start)) / n);
    const values = timestamps.map((_, i) => i % 100);
    const { canvas, plot } = renderWidget(spec, [{ label: "many", color: PALETTE[0], yAxis: "left", timestamps, values }]);
    const c = parseColor(PALETTE[0]);
    let lit = 0;
    for (let y = plot.y; y <= plot.y + plot.h; y++) if (canvas.get(plot.x + 10, y).every((v, i) => v === c[i])) lit++;
    expect(lit).toBeGreaterThan(plot.h / 2);
  });
});
