/**
 * Validation of a DashboardBody, as PutDashboard does it.
 *
 * AWS validates the body against a JSON schema (its messages are those of ajv
 * with JSON-pointer data paths, capitalised: "Should have required property
 * 'metrics'", "Should NOT have less than 1 items", "Should be <= 24"), with all
 * errors collected, plus a few hand-written rules such as "The metric widget
 * should have specified a region and a data source or an alarm annotation".
 * The structure is the one of "Dashboard Body Structure and Syntax" in the
 * CloudWatch API reference. Unknown members are accepted, as the console and
 * tools add their own.
 *
 * Errors reject the dashboard (InvalidParameterInput); warnings are returned
 * by PutDashboard for a dashboard that is stored but may not render as meant.
 */

export interface ValidationMessage {
  DataPath: string;
  Message: string;
}

export interface BodyValidation {
  errors: ValidationMessage[];
  warnings: ValidationMessage[];
}

/** Limits of the dashboard body (API reference and CloudWatch service quotas). */
export const DASHBOARD_LIMITS = {
  /** "It can include an array of between 0 and 500 widget objects". */
  widgets: 500,
  /** Quotas: up to 500 metrics per dashboard widget, 2500 per dashboard. */
  metricsPerWidget: 500,
  metricsPerDashboard: 2500,
  /** Alarm status widget: up to 100 alarms. */
  alarmsPerWidget: 100,
  gridColumns: 24,
  maxHeight: 1000,
} as const;

export const WIDGET_TYPES = ["metric", "text", "log", "alarm", "explorer", "custom", "chart"] as const;

type Json = unknown;
type Obj = Record<string, Json>;

const isObject = (v: Json): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Message texts, as AWS words them. */
export const MSG = {
  required: (p: string) => `Should have required property '${p}'`,
  type: (t: JsonType) => `Should be ${t}`,
  min: (n: number) => `Should be >= ${n}`,
  max: (n: number) => `Should be <= ${n}`,
  enum: "Should be equal to one of the allowed values",
  minItems: (n: number) => `Should NOT have less than ${n} items`,
  maxItems: (n: number) => `Should NOT have more than ${n} items`,
  dependency: (p: string, when: string) => `Should have property ${p} when property ${when} is present`,
  pattern: (re: string) => `Should match pattern "${re}"`,
  metricField: 'Invalid metric field type, only "String" type is allowed',
  metricDataSource: "The metric widget should have specified a region and a data source or an alarm annotation",
  notJsonObject: "The field DashboardBody must be a valid JSON object",
} as const;

export type JsonType = "string" | "integer" | "number" | "boolean" | "array" | "object";

export function hasType(v: Json, t: JsonType): boolean {
  switch (t) {
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v);
    case "object":
      return isObject(v);
  }
}

class Collector {
  readonly errors: ValidationMessage[] = [];
  readonly warnings: ValidationMessage[] = [];
  metricCount = 0;

  error(path: string, message: string): void {
    this.errors.push({ DataPath: path, Message: message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ DataPath: path, Message: message });
  }

  /** Type check; true when the value has the type. */
  type(v: Json, t: JsonType, path: string): boolean {
    if (hasType(v, t)) return true;
    this.error(path, MSG.type(t));
    return false;
  }

  /** An optional member of a type (and, for numbers, a range). */
  optional(o: Obj, key: string, t: JsonType, path: string, range?: { min?: number; max?: number }): void {
    if (!(key in o)) return;
    const v = o[key];
    const p = `${path}/${key}`;
    if (!this.type(v, t, p)) return;
    if (range && typeof v === "number") {
      if (range.min !== undefined && v < range.min) this.error(p, MSG.min(range.min));
      if (range.max !== undefined && v > range.max) this.error(p, MSG.max(range.max));
    }
  }

  /** A required member: reported on the parent, like a JSON schema does. */
  required(o: Obj, key: string, path: string): boolean {
    if (key in o) return true;
    this.error(path, MSG.required(key));
    return false;
  }

  oneOf(o: Obj, key: string, allowed: readonly string[], path: string): void {
    if (!(key in o)) return;
    if (!allowed.includes(o[key] as string)) this.error(`${path}/${key}`, MSG.enum);
  }

  items(v: Json[], path: string, min?: number, max?: number): void {
    if (min !== undefined && v.length < min) this.error(path, MSG.minItems(min));
    if (max !== undefined && v.length > max) this.error(path, MSG.maxItems(max));
  }
}

/** Validates a DashboardBody string; never throws. */
export function validateDashboardBody(body: string): BodyValidation {
  const c = new Collector();
  let parsed: Json;
  try {
    parsed = JSON.parse(body);
  } catch {
    c.error("", MSG.notJsonObject);
    return c;
  }
  if (!isObject(parsed)) {
    c.error("", MSG.notJsonObject);
    return c;
  }
  validateRoot(c, parsed);
  return { errors: c.errors, warnings: c.warnings };
}

/** True when the only problem is that the body is not a JSON object at all. */
export const isNotJsonObject = (v: BodyValidation) =>
  v.errors.length === 1 && v.errors[0].DataPath === "" && v.errors[0].Message === MSG.notJsonObject;

function validateRoot(c: Collector, root: Obj): void {
  if (c.required(root, "widgets", "") && c.type(root.widgets, "array", "/widgets")) {
    const widgets = root.widgets as Json[];
    c.items(widgets, "/widgets", undefined, DASHBOARD_LIMITS.widgets);
    widgets.forEach((w, i) => validateWidget(c, w, `/widgets/${i}`));
  }
  c.optional(root, "start", "string", "");
  c.optional(root, "end", "string", "");
  c.oneOf(root, "periodOverride", ["auto", "inherit"], "");
  if ("variables" in root && c.type(root.variables, "array", "/variables")) {
    (root.variables as Json[]).forEach((v, i) => validateVariable(c, v, `/variables/${i}`));
  }
  if ("end" in root && !("start" in root)) {
    c.warn("/end", "If you specify a value for end, you must also specify a value for start. The end time is ignored.");
  }
  if (c.metricCount > DASHBOARD_LIMITS.metricsPerDashboard) {
    c.warn(
      "/widgets",
      `The dashboard has ${c.metricCount} metrics; only ${DASHBOARD_LIMITS.metricsPerDashboard} metrics per dashboard are displayed.`,
    );
  }
}

function validateVariable(c: Collector, v: Json, path: string): void {
  if (!c.type(v, "object", path)) return;
  const o = v as Obj;
  for (const key of ["type", "property", "inputType"]) c.required(o, key, path);
  c.oneOf(o, "type", ["property", "pattern"], path);
  c.optional(o, "property", "string", path);
  c.oneOf(o, "inputType", ["input", "select", "radio"], path);
  c.optional(o, "id", "string", path);
  c.optional(o, "label", "string", path);
  c.optional(o, "visible", "boolean", path);
  c.optional(o, "search", "string", path);
  c.optional(o, "populateFrom", "string", path);
  if ("values" in o && c.type(o.values, "array", `${path}/values`)) {
    (o.values as Json[]).forEach((item, i) => {
      const p = `${path}/values/${i}`;
      if (!c.type(item, "object", p)) return;
      c.required(item as Obj, "value", p);
      c.optional(item as Obj, "value", "string", p);
      c.optional(item as Obj, "label", "string", p);
    });
  }
}

function validateWidget(c: Collector, w: Json, path: string): void {
  if (!c.type(w, "object", path)) return;
  const o = w as Obj;
  c.required(o, "type", path);
  c.required(o, "properties", path);
  if ("type" in o && c.type(o.type, "string", `${path}/type`)) c.oneOf(o, "type", WIDGET_TYPES, path);

  c.optional(o, "x", "integer", path, { min: 0, max: DASHBOARD_LIMITS.gridColumns - 1 });
  c.optional(o, "y", "integer", path, { min: 0 });
  c.optional(o, "width", "integer", path, { min: 1, max: DASHBOARD_LIMITS.gridColumns });
  c.optional(o, "height", "integer", path, { min: 1, max: DASHBOARD_LIMITS.maxHeight });
  // x and y go together: "Required: Yes, if y is specified. Otherwise not required."
  if ("y" in o && !("x" in o)) c.error(path, MSG.dependency("x", "y"));
  if ("x" in o && !("y" in o)) c.error(path, MSG.dependency("y", "x"));

  const x = o.x, width = o.width ?? 6;
  if (Number.isInteger(x) && Number.isInteger(width) && (x as number) + (width as number) > DASHBOARD_LIMITS.gridColumns) {
    c.warn(path, `The widget does not fit in the ${DASHBOARD_LIMITS.gridColumns}-column grid (x + width > ${DASHBOARD_LIMITS.gridColumns}); it is moved when displayed.`);
  }

  if (!("properties" in o)) return;
  const propsPath = `${path}/properties`;
  if (!c.type(o.properties, "object", propsPath)) return;
  const props = o.properties as Obj;
  switch (o.type) {
    case "metric":
      return validateMetricWidget(c, props, propsPath);
    case "text":
      return validateTextWidget(c, props, propsPath);
    case "log":
      return validateLogWidget(c, props, propsPath);
    case "alarm":
      return validateAlarmWidget(c, props, propsPath);
    case "explorer":
      return validateExplorerWidget(c, props, propsPath);
    case "custom":
      return validateCustomWidget(c, props, propsPath);
    // "chart" (PromQL) widgets: only the generic checks above.
  }
}

function validateTextWidget(c: Collector, p: Obj, path: string): void {
  c.required(p, "markdown", path);
  c.optional(p, "markdown", "string", path);
  c.oneOf(p, "background", ["transparent", "solid"], path);
}

function validateLogWidget(c: Collector, p: Obj, path: string): void {
  c.required(p, "query", path);
  c.required(p, "region", path);
  c.optional(p, "query", "string", path);
  c.optional(p, "region", "string", path);
  c.optional(p, "accountId", "string", path);
  c.optional(p, "title", "string", path);
  c.optional(p, "stacked", "boolean", path);
  c.oneOf(p, "view", ["table", "timeSeries", "bar", "pie"], path);
}

function validateAlarmWidget(c: Collector, p: Obj, path: string): void {
  if (c.required(p, "alarms", path) && c.type(p.alarms, "array", `${path}/alarms`)) {
    const alarms = p.alarms as Json[];
    c.items(alarms, `${path}/alarms`, 1, DASHBOARD_LIMITS.alarmsPerWidget);
    alarms.forEach((a, i) => c.type(a, "string", `${path}/alarms/${i}`));
  }
  c.optional(p, "title", "string", path);
  c.oneOf(p, "sortBy", ["default", "stateUpdatedTimestamp", "timestamp"], path);
  if ("states" in p && c.type(p.states, "array", `${path}/states`)) {
    (p.states as Json[]).forEach((s, i) => {
      if (!["ALARM", "INSUFFICIENT_DATA", "OK"].includes(s as string)) c.error(`${path}/states/${i}`, MSG.enum);
    });
  }
}

function validateExplorerWidget(c: Collector, p: Obj, path: string): void {
  if (c.required(p, "metrics", path) && c.type(p.metrics, "array", `${path}/metrics`)) {
    (p.metrics as Json[]).forEach((m, i) => {
      const mp = `${path}/metrics/${i}`;
      if (!c.type(m, "object", mp)) return;
      const o = m as Obj;
      c.required(o, "metricName", mp);
      c.required(o, "resourceType", mp);
      c.optional(o, "metricName", "string", mp);
      c.optional(o, "resourceType", "string", mp);
      c.optional(o, "stat", "string", mp);
    });
  }
  if ("labels" in p && c.type(p.labels, "array", `${path}/labels`)) {
    (p.labels as Json[]).forEach((l, i) => {
      const lp = `${path}/labels/${i}`;
      if (!c.type(l, "object", lp)) return;
      c.required(l as Obj, "key", lp);
      c.optional(l as Obj, "key", "string", lp);
      c.optional(l as Obj, "value", "string", lp);
    });
  }
  if ("aggregateBy" in p && c.type(p.aggregateBy, "object", `${path}/aggregateBy`)) {
    const a = p.aggregateBy as Obj;
    c.optional(a, "key", "string", `${path}/aggregateBy`);
    c.oneOf(a, "func", ["AVG", "MIN", "MAX", "SUM"], `${path}/aggregateBy`);
  }
  c.optional(p, "period", "integer", path, { min: 1 });
  c.optional(p, "region", "string", path);
  c.optional(p, "title", "string", path);
  c.optional(p, "splitBy", "string", path);
  c.optional(p, "widgetOptions", "object", path);
}

function validateCustomWidget(c: Collector, p: Obj, path: string): void {
  c.required(p, "endpoint", path);
  c.optional(p, "endpoint", "string", path);
  c.optional(p, "title", "string", path);
  c.optional(p, "updateOn", "object", path);
}

const METRIC_VIEWS = ["timeSeries", "singleValue", "gauge", "bar", "pie", "table"];
export const COLOR_PATTERN = "^#([0-9a-fA-F]{6})$";

function validateMetricWidget(c: Collector, p: Obj, path: string): void {
  const hasMetrics = "metrics" in p;
  const annotations = isObject(p.annotations) ? p.annotations : undefined;
  const hasAlarmAnnotation = !!annotations && "alarms" in annotations;

  // anyOf: a metrics array, or an alarm annotation (a graph of an alarm).
  // The data source rule also needs a region unless the widget graphs an alarm.
  if (!hasMetrics && !hasAlarmAnnotation) c.error(path, MSG.required("metrics"));
  if (!hasAlarmAnnotation && !(hasMetrics && "region" in p)) c.error(path, MSG.metricDataSource);
  if (!hasMetrics && !hasAlarmAnnotation) {
    if (annotations) c.error(`${path}/annotations`, MSG.required("alarms"));
    else c.error(path, MSG.required("annotations"));
  }

  if (hasMetrics && c.type(p.metrics, "array", `${path}/metrics`)) {
    const metrics = p.metrics as Json[];
    metrics.forEach((m, i) => validateMetricLine(c, m, `${path}/metrics/${i}`));
    c.metricCount += metrics.length;
    if (metrics.length > DASHBOARD_LIMITS.metricsPerWidget) {
      c.warn(
        `${path}/metrics`,
        `The widget has ${metrics.length} metrics; only ${DASHBOARD_LIMITS.metricsPerWidget} metrics per widget are displayed.`,
      );
    }
  }
  if ("annotations" in p && c.type(p.annotations, "object", `${path}/annotations`)) {
    validateAnnotations(c, p.annotations as Obj, `${path}/annotations`);
  }

  c.optional(p, "region", "string", path);
  c.optional(p, "accountId", "string", path);
  c.optional(p, "title", "string", path);
  c.optional(p, "stat", "string", path);
  c.optional(p, "period", "integer", path, { min: 1 });
  c.oneOf(p, "view", METRIC_VIEWS, path);
  for (const flag of ["stacked", "liveData", "setPeriodToTimeRange", "sparkline", "trend", "singleValueFullPrecision"]) {
    c.optional(p, flag, "boolean", path);
  }
  c.optional(p, "start", "string", path);
  c.optional(p, "end", "string", path);
  c.optional(p, "timezone", "string", path);
  if ("legend" in p && c.type(p.legend, "object", `${path}/legend`)) {
    c.oneOf(p.legend as Obj, "position", ["right", "bottom", "hidden"], `${path}/legend`);
  }
  if ("yAxis" in p && c.type(p.yAxis, "object", `${path}/yAxis`)) {
    for (const side of ["left", "right"]) {
      const y = (p.yAxis as Obj)[side];
      const yp = `${path}/yAxis/${side}`;
      if (y === undefined || !c.type(y, "object", yp)) continue;
      c.optional(y as Obj, "min", "number", yp);
      c.optional(y as Obj, "max", "number", yp);
      c.optional(y as Obj, "label", "string", yp);
      c.optional(y as Obj, "showUnits", "boolean", yp);
    }
  }
}

/** The errors of one line of a metric widget's metrics array; GetMetricWidgetImage checks its lines with it. */
export function metricLineErrors(line: Json, path: string): ValidationMessage[] {
  const c = new Collector();
  validateMetricLine(c, line, path);
  return c.errors;
}

/**
 * One line of a metric widget's metrics array: strings (namespace, metric name,
 * dimension name/value pairs, "." repeating the line above), optionally ending
 * with an object of rendering properties; or just such an object holding a
 * math or search expression.
 */
function validateMetricLine(c: Collector, line: Json, path: string): void {
  if (!c.type(line, "array", path)) return;
  const items = line as Json[];
  c.items(items, path, 1);
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    if (typeof item === "string") return;
    if (last && isObject(item)) return validateRenderingProperties(c, item, `${path}/${i}`);
    c.error(`${path}/${i}`, MSG.metricField);
  });
}

function validateRenderingProperties(c: Collector, o: Obj, path: string): void {
  c.optional(o, "expression", "string", path);
  c.optional(o, "id", "string", path);
  c.optional(o, "label", "string", path);
  c.optional(o, "stat", "string", path);
  c.optional(o, "region", "string", path);
  c.optional(o, "accountId", "string", path);
  c.optional(o, "visible", "boolean", path);
  c.optional(o, "period", "integer", path, { min: 1 });
  c.oneOf(o, "yAxis", ["left", "right"], path);
  if ("color" in o && c.type(o.color, "string", `${path}/color`) && !new RegExp(COLOR_PATTERN).test(o.color as string)) {
    c.error(`${path}/color`, MSG.pattern(COLOR_PATTERN));
  }
}

function validateAnnotations(c: Collector, a: Obj, path: string): void {
  if ("alarms" in a && c.type(a.alarms, "array", `${path}/alarms`)) {
    const alarms = a.alarms as Json[];
    c.items(alarms, `${path}/alarms`, 1, 1);
    alarms.forEach((x, i) => c.type(x, "string", `${path}/alarms/${i}`));
  }
  for (const dir of ["horizontal", "vertical"] as const) {
    if (!(dir in a) || !c.type(a[dir], "array", `${path}/${dir}`)) continue;
    (a[dir] as Json[]).forEach((item, i) => {
      const ip = `${path}/${dir}/${i}`;
      if (!c.type(item, "object", ip)) return;
      const o = item as Obj;
      c.required(o, "value", ip);
      c.optional(o, "value", dir === "horizontal" ? "number" : "string", ip);
      c.optional(o, "label", "string", ip);
      c.optional(o, "visible", "boolean", ip);
      c.oneOf(o, "fill", dir === "horizontal" ? ["above", "below", "none"] : ["before", "after", "none"], ip);
      if (dir === "horizontal") c.oneOf(o, "yAxis", ["left", "right"], ip);
      if ("color" in o && c.type(o.color, "string", `${ip}/color`) && !new RegExp(COLOR_PATTERN).test(o.color as string)) {
        c.error(`${ip}/color`, MSG.pattern(COLOR_PATTERN));
      }
    });
  }
}

/** The error message AWS gives with the list of validation errors. */
export function invalidBodyMessage(errors: ValidationMessage[]): string {
  const list = errors.map((e) => ({ dataPath: e.DataPath, message: e.Message }));
  return `The dashboard body is invalid, there are ${errors.length} validation errors:\n${JSON.stringify(list, null, 2)}`;
}
