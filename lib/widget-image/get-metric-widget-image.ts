/**
 * GetMetricWidgetImage: the widget's metrics read through GetMetricData for
 * the caller's account, drawn (render.ts) and encoded as PNG (png.ts).
 */
import type { GetMetricDataOutput, GetMetricWidgetImageInput, GetMetricWidgetImageOutput, MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { invalidParameterValue, missingParameter } from "../errors.js";
import { getMetricData } from "../metrics/get-metric-data.js";
import { encodePng } from "./png.js";
import { paletteColor, renderWidget, type SeriesData } from "./render.js";
import { parseMetricWidget } from "./widget.js";

/**
 * The API reference: "Only PNG images are supported", `png` by default;
 * `image/png` names the same image for custom HTTP requests.
 */
const OUTPUT_FORMATS = ["png", "image/png"];
/** "Up to 100 KB uncompressed payload" (API reference). */
const MAX_WIDGET_BYTES = 100 * 1024;
/** Pages of GetMetricData read at most: 100 metrics of the widget fit in far fewer. */
const MAX_PAGES = 20;

export async function getMetricWidgetImage(
  account: string,
  region: string,
  input: GetMetricWidgetImageInput,
  now = Date.now(),
): Promise<GetMetricWidgetImageOutput> {
  if (input.MetricWidget === undefined || input.MetricWidget === null) throw missingParameter("MetricWidget");
  const format = input.OutputFormat ?? "png";
  if (!OUTPUT_FORMATS.includes(format)) {
    throw invalidParameterValue(`The value ${format} for parameter OutputFormat is invalid. Only png images are supported.`);
  }
  if (Buffer.byteLength(input.MetricWidget) > MAX_WIDGET_BYTES) {
    throw invalidParameterValue(`The parameter MetricWidget must not be longer than ${MAX_WIDGET_BYTES} bytes.`);
  }
  const spec = parseMetricWidget(input.MetricWidget, account, now);

  const results = new Map<string, MetricDataResult>();
  if (spec.queries.some((q) => q.ReturnData !== false)) {
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out: GetMetricDataOutput = await getMetricData(
        account,
        region,
        {
          MetricDataQueries: spec.queries,
          StartTime: new Date(Math.floor(spec.start / 1000) * 1000),
          EndTime: new Date(Math.floor(spec.end / 1000) * 1000),
          ScanBy: "TimestampAscending",
          NextToken: token,
        },
        now,
      );
      for (const r of out.MetricDataResults ?? []) {
        const seen = results.get(r.Id!);
        // concat, not push(...page): a page's 100,800 values would all be call arguments.
        if (!seen) results.set(r.Id!, { ...r, Timestamps: r.Timestamps ?? [], Values: r.Values ?? [] });
        else {
          seen.Timestamps = seen.Timestamps!.concat(r.Timestamps ?? []);
          seen.Values = seen.Values!.concat(r.Values ?? []);
        }
      }
      token = out.NextToken;
      if (!token) break;
    }
  }

  const series: SeriesData[] = spec.lines.map((line, n) => {
    const r = line.readable ? results.get(line.id) : undefined;
    return {
      label: line.label === "" ? line.id : (r?.Label ?? line.label),
      color: line.color ?? paletteColor(n),
      yAxis: line.yAxis,
      timestamps: (r?.Timestamps ?? []).map((t) => new Date(t).getTime()),
      values: r?.Values ?? [],
    };
  });
  const { canvas } = renderWidget(spec, series);
  return { MetricWidgetImage: encodePng(canvas.width, canvas.height, canvas.pixels) };
}
