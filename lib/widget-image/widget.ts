/**
 * The MetricWidget of GetMetricWidgetImage: its JSON checked against the
 * structure of "GetMetricWidgetImage: Metric Widget Structure and Syntax"
 * (CloudWatch API reference) and turned into GetMetricData queries.
 *
 * Messages are worded as PutDashboard words them for the same members
 * (lib/dashboards/body.ts: ajv's "Should ..." with JSON-pointer paths), all
 * errors collected into one InvalidParameterInput. Unknown members are
 * accepted, as PutDashboard accepts them: the console copies a dashboard
 * widget's source, with its extra properties, into this API.
 */
import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { cloudwatchError } from "../errors.js";
import { COLOR_PATTERN, MSG, hasType, metricLineErrors, type JsonType } from "../dashboards/body.js";

/** Limits and defaults of the reference page above. */
export const WIDGET_LIMITS = {
  maxSide: 2000,
  defaultWidth: 600,
  defaultHeight: 400,
  defaultPeriod: 300,
  maxMetrics: 100,
  defaultStart: "-PT3H",
  defaultEnd: "-PT0H",
} as const;

export const VIEWS = ["timeSeries", "singleValue", "bar", "pie"] as const;
export const LEGEND_POSITIONS = ["bottom", "right", "hidden"] as const;

export interface AxisSpec {
  min?: number;
  max?: number;
  label?: string;
}

export interface HorizontalAnnotation {
  value: number;
  label?: string;
  color?: string;
  yAxis: "left" | "right";
}

export interface VerticalAnnotation {
  /** Epoch milliseconds. */
  value: number;
  label?: string;
  color?: string;
}

/** One line of the graph as the renderer needs it; the query id ties it to its data. */
export interface LineSpec {
  id: string;
  label: string;
  color?: string;
  yAxis: "left" | "right";
  /** False when the line reads another account's metric: this service never reads across accounts. */
  readable: boolean;
}

export interface WidgetSpec {
  width: number;
  height: number;
  /** Epoch milliseconds. */
  start: number;
  end: number;
  title?: string;
  view: (typeof VIEWS)[number];
  legend: (typeof LEGEND_POSITIONS)[number];
  /** Minutes east of UTC for the time axis. */
  timezone: number;
  yAxis: { left: AxisSpec; right: AxisSpec };
  horizontal: HorizontalAnnotation[];
  vertical: VerticalAnnotation[];
  lines: LineSpec[];
  queries: MetricDataQuery[];
}

type Json = unknown;
type Obj = Record<string, Json>;
interface Problem {
  dataPath: string;
  message: string;
}

const isObject = (v: Json): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const COLOR = new RegExp(COLOR_PATTERN);
const TIMEZONE = /^[+-]([01]\d|2[0-3])[0-5]\d$/;
const TIMEZONE_PATTERN = "^[+-][0-9]{4}$";
/** ISO 8601 durations with a sign, as the widget's relative start and end take them ("-PT3H", "-P7D"). */
const RELATIVE = /^([+-])P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

export const invalidWidget = (problems: Problem[]) =>
  cloudwatchError(
    "DashboardInvalidInputError",
    `The MetricWidget is invalid, there are ${problems.length} validation errors:\n${JSON.stringify(problems, null, 2)}`,
  );

/** A widget time: a signed ISO 8601 duration from now, or an ISO 8601 date-time. Undefined when neither. */
export function parseWidgetTime(value: string, now: number): number | undefined {
  const rel = RELATIVE.exec(value);
  if (rel && value !== "-P" && value !== "+P" && !value.endsWith("T")) {
    const [, sign, y, mo, w, d, h, mi, s] = rel;
    const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
    const seconds = n(y) * 365 * 86400 + n(mo) * 30 * 86400 + n(w) * 7 * 86400 + n(d) * 86400 + n(h) * 3600 + n(mi) * 60 + n(s);
    return now + (sign === "-" ? -1 : 1) * seconds * 1000;
  }
  if (!ISO_DATE.test(value)) return undefined;
  const t = Date.parse(value.length === 16 || /T\d\d:\d\d:\d\d(\.\d+)?$/.test(value) ? `${value}Z` : value);
  return Number.isNaN(t) ? undefined : t;
}

/** Parses and checks a MetricWidget for the caller's account; throws InvalidParameterInput listing every problem. */
export function parseMetricWidget(text: string, account: string, now: number): WidgetSpec {
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch {
    root = undefined;
  }
  if (!isObject(root)) throw cloudwatchError("DashboardInvalidInputError", "The field MetricWidget must be a valid JSON object");
  const problems: Problem[] = [];
  const error = (dataPath: string, message: string) => problems.push({ dataPath, message });
  const typed = (o: Obj, key: string, type: JsonType, path: string): boolean => {
    if (!(key in o)) return false;
    const ok = hasType(o[key], type);
    if (!ok) error(`${path}/${key}`, MSG.type(type));
    return ok;
  };
  const ranged = (o: Obj, key: string, min: number, max: number): number | undefined => {
    if (!typed(o, key, "integer", "")) return undefined;
    const v = o[key] as number;
    if (v < min) error(`/${key}`, MSG.min(min));
    else if (v > max) error(`/${key}`, MSG.max(max));
    else return v;
    return undefined;
  };
  const oneOf = <T extends string>(o: Obj, key: string, allowed: readonly T[], path: string): T | undefined => {
    if (!(key in o)) return undefined;
    if (allowed.includes(o[key] as T)) return o[key] as T;
    error(`${path}/${key}`, MSG.enum);
    return undefined;
  };
  const color = (o: Obj, path: string): string | undefined => {
    if (!typed(o, "color", "string", path)) return undefined;
    if (COLOR.test(o.color as string)) return o.color as string;
    error(`${path}/color`, MSG.pattern(COLOR_PATTERN));
    return undefined;
  };
  const time = (key: "start" | "end", fallback: string): number => {
    if (!typed(root as Obj, key, "string", "")) return parseWidgetTime(fallback, now)!;
    const t = parseWidgetTime((root as Obj)[key] as string, now);
    if (t === undefined) error(`/${key}`, 'Should match format "date-time" or an ISO 8601 duration such as -PT3H');
    return t ?? now;
  };

  const width = ranged(root, "width", 1, WIDGET_LIMITS.maxSide) ?? WIDGET_LIMITS.defaultWidth;
  const height = ranged(root, "height", 1, WIDGET_LIMITS.maxSide) ?? WIDGET_LIMITS.defaultHeight;
  const start = time("start", WIDGET_LIMITS.defaultStart);
  const end = time("end", WIDGET_LIMITS.defaultEnd);
  const period = typed(root, "period", "integer", "") && (root.period as number) >= 1 ? (root.period as number) : undefined;
  if (typeof root.period === "number" && Number.isInteger(root.period) && root.period < 1) error("/period", MSG.min(1));
  const stat = typed(root, "stat", "string", "") ? (root.stat as string) : "Average";
  const title = typed(root, "title", "string", "") ? (root.title as string) : undefined;
  const view = oneOf(root, "view", VIEWS, "") ?? "timeSeries";
  typed(root, "stacked", "boolean", "");
  typed(root, "liveData", "boolean", "");
  let legend: WidgetSpec["legend"] = "bottom";
  if (typed(root, "legend", "object", "")) legend = oneOf(root.legend as Obj, "position", LEGEND_POSITIONS, "/legend") ?? "bottom";
  let timezone = 0;
  if (typed(root, "timezone", "string", "")) {
    const m = TIMEZONE.exec(root.timezone as string);
    if (!m) error("/timezone", MSG.pattern(TIMEZONE_PATTERN));
    else {
      const tz = root.timezone as string;
      const minutes = Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5));
      timezone = tz[0] === "-" ? -minutes : minutes;
    }
  }

  const yAxis: WidgetSpec["yAxis"] = { left: {}, right: {} };
  if (typed(root, "yAxis", "object", "")) {
    for (const side of ["left", "right"] as const) {
      const y = root.yAxis as Obj;
      if (!typed(y, side, "object", "/yAxis")) continue;
      const a = y[side] as Obj;
      const path = `/yAxis/${side}`;
      if (typed(a, "min", "number", path)) yAxis[side].min = a.min as number;
      if (typed(a, "max", "number", path)) yAxis[side].max = a.max as number;
      if (typed(a, "label", "string", path)) yAxis[side].label = a.label as string;
      typed(a, "showUnits", "boolean", path);
    }
  }

  const horizontal: HorizontalAnnotation[] = [];
  const vertical: VerticalAnnotation[] = [];
  if (typed(root, "annotations", "object", "")) {
    const a = root.annotations as Obj;
    for (const dir of ["horizontal", "vertical"] as const) {
      if (!(dir in a)) continue;
      if (!Array.isArray(a[dir])) {
        error(`/annotations/${dir}`, MSG.type("array"));
        continue;
      }
      (a[dir] as Json[]).forEach((item, i) => {
        const path = `/annotations/${dir}/${i}`;
        if (!isObject(item)) return error(path, MSG.type("object"));
        if (!("value" in item)) return error(path, MSG.required("value"));
        const label = typed(item, "label", "string", path) ? (item.label as string) : undefined;
        const c = color(item, path);
        const visible = typed(item, "visible", "boolean", path) ? item.visible : true;
        if (dir === "horizontal") {
          const side = oneOf(item, "yAxis", ["left", "right"] as const, path) ?? "left";
          oneOf(item, "fill", ["above", "below", "none"] as const, path);
          if (typed(item, "value", "number", path) && visible) horizontal.push({ value: item.value as number, label, color: c, yAxis: side });
        } else {
          oneOf(item, "fill", ["before", "after", "none"] as const, path);
          if (!typed(item, "value", "string", path)) return;
          const t = parseWidgetTime(item.value as string, now);
          if (t === undefined) error(`${path}/value`, 'Should match format "date-time"');
          else if (visible) vertical.push({ value: t, label, color: c });
        }
      });
    }
  }

  const lines: LineSpec[] = [];
  const queries: MetricDataQuery[] = [];
  if (!("metrics" in root)) error("", MSG.required("metrics"));
  else if (!Array.isArray(root.metrics)) error("/metrics", MSG.type("array"));
  else {
    const metrics = root.metrics as Json[];
    if (metrics.length < 1) error("/metrics", MSG.minItems(1));
    if (metrics.length > WIDGET_LIMITS.maxMetrics) error("/metrics", MSG.maxItems(WIDGET_LIMITS.maxMetrics));
    const explicitIds = new Set(
      metrics.flatMap((m) => (Array.isArray(m) && isObject(m[m.length - 1]) && typeof (m[m.length - 1] as Obj).id === "string" ? [(m[m.length - 1] as Obj).id as string] : [])),
    );
    let previous: string[] = [];
    metrics.forEach((line, i) => {
      const path = `/metrics/${i}`;
      // The checks PutDashboard makes of a line, plus the id GetMetricData needs; a line with any problem is not read.
      const lineErrors = metricLineErrors(line, path);
      for (const e of lineErrors) error(e.DataPath, e.Message);
      if (lineErrors.length > 0) return;
      const lineItems = line as Json[];
      const last = lineItems[lineItems.length - 1];
      const opts: Obj = isObject(last) ? last : {};
      const fields = isObject(last) ? lineItems.slice(0, -1) : lineItems;
      const optPath = `${path}/${lineItems.length - 1}`;
      if (typeof opts.id === "string" && !QUERY_ID.test(opts.id)) return error(`${optPath}/id`, MSG.pattern(QUERY_ID.source));
      const side = (opts.yAxis as LineSpec["yAxis"] | undefined) ?? "left";
      const c = opts.color as string | undefined;

      let id = typeof opts.id === "string" ? opts.id : `m${i + 1}`;
      for (let k = 1; typeof opts.id !== "string" && explicitIds.has(id); k++) id = `m${i + 1}_${k}`;
      const returnData = opts.visible !== false;
      const label = typeof opts.label === "string" ? opts.label : undefined;
      const linePeriod = typeof opts.period === "number" ? opts.period : period;
      if (fields.length === 0) {
        if (typeof opts.expression !== "string") return error(optPath, MSG.required("expression"));
        queries.push({ Id: id, Expression: opts.expression, Label: label, Period: linePeriod, ReturnData: returnData });
        if (returnData) lines.push({ id, label: label ?? opts.expression, color: c, yAxis: side, readable: true });
        return;
      }
      // "." repeats the field above it; "..." repeats all the rest of the line above.
      const resolved: string[] = [];
      for (let j = 0; j < fields.length; j++) {
        const f = fields[j] as string;
        if (f === "...") {
          resolved.push(...previous.slice(resolved.length));
          break;
        }
        resolved.push(f === "." ? previous[j] ?? "" : f);
      }
      previous = resolved;
      const [namespace, metricName, ...dims] = resolved;
      if (!namespace || !metricName) return error(path, "Should have a namespace and a metric name");
      if (dims.length % 2 !== 0) return error(path, "Should have a value for every dimension name");
      const Dimensions = [];
      for (let j = 0; j < dims.length; j += 2) Dimensions.push({ Name: dims[j], Value: dims[j + 1] });
      const readable = opts.accountId === undefined || opts.accountId === account;
      queries.push({
        Id: id,
        MetricStat: {
          Metric: { Namespace: namespace, MetricName: metricName, Dimensions },
          Period: linePeriod ?? WIDGET_LIMITS.defaultPeriod,
          Stat: typeof opts.stat === "string" ? opts.stat : stat,
        },
        Label: label,
        ReturnData: returnData && readable,
      });
      if (returnData) lines.push({ id, label: label ?? metricName, color: c, yAxis: side, readable });
    });
  }
  if (problems.length === 0 && start >= end) error("/start", "Should be before end");
  if (problems.length > 0) throw invalidWidget(problems);
  return { width, height, start, end, title, view, legend, timezone, yAxis, horizontal, vertical, lines, queries };
}
