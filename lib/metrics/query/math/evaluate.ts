/**
 * Evaluation of metric math expressions over in-memory series.
 *
 * Operators, after AWS's "Metric math syntax and functions":
 * - Arithmetic (+ - * / ^) works on S, TS and TS[] operands (not TS[] with
 *   TS[]). Two series cover every timestamp either has, a value missing on one
 *   side counting as 0 ("Missing values in a time series are treated as 0").
 *   A point whose result is not a finite number (x/0, 0/0, overflow) is
 *   dropped, as AWS drops a division by zero.
 * - Comparisons (== != < <= > >=) and logical operators (AND && OR || NOT) give
 *   1 or 0, over the same timestamps with the same rule, as AWS documents.
 * - Unary minus negates scalars, series and arrays.
 *
 * A scalar final result becomes a constant series over the time range at the
 * period. A single series result is labelled with the expression's id (AWS's
 * default label for an expression), or its text when no id is given; each
 * series of an array result keeps its own label.
 */
import type { Series } from "../../types.js";
import { FUNCTIONS, type CallEnv, type CallExpr } from "./functions.js";
import { parseExpression } from "./parser.js";
import type { BinaryOp, Expr } from "./ast.js";
import type { MathContext } from "./context.js";
import { gridTimestamps, makeSeries, mapPoints, MAX_GRID_POINTS, normalize, zipUnion } from "./series.js";
import { arrayValue, describeKind, mathError, MathError, scalar, seriesValue, type Value } from "./values.js";


const OPS: Record<BinaryOp, (x: number, y: number) => number> = {
  "+": (x, y) => x + y,
  "-": (x, y) => x - y,
  "*": (x, y) => x * y,
  "/": (x, y) => x / y,
  "^": (x, y) => x ** y,
  "==": (x, y) => (x === y ? 1 : 0),
  "!=": (x, y) => (x !== y ? 1 : 0),
  "<": (x, y) => (x < y ? 1 : 0),
  "<=": (x, y) => (x <= y ? 1 : 0),
  ">": (x, y) => (x > y ? 1 : 0),
  ">=": (x, y) => (x >= y ? 1 : 0),
  AND: (x, y) => (x !== 0 && y !== 0 ? 1 : 0),
  OR: (x, y) => (x !== 0 || y !== 0 ? 1 : 0),
};

class Evaluator {
  constructor(private readonly ctx: MathContext) {}

  /** The time range at `periodSeconds` (default: the query's period). */
  grid(anchor?: number, at = 0, periodSeconds = this.ctx.periodSeconds): number[] {
    const { startTime, endTime } = this.ctx;
    const periodMs = periodSeconds * 1000;
    if (!(periodMs > 0)) throw mathError(at, `The period must be a positive number of seconds, not ${periodSeconds}`);
    if ((endTime - startTime) / periodMs > MAX_GRID_POINTS) {
      throw mathError(at, `The time range holds more than ${MAX_GRID_POINTS} periods of ${periodSeconds} seconds`);
    }
    return gridTimestamps(startTime, endTime, periodMs, anchor);
  }

  async eval(e: Expr): Promise<Value> {
    switch (e.kind) {
      case "number":
        return scalar(e.value);
      case "string":
        return { kind: "string", value: e.value };
      case "keyword":
        return { kind: "keyword", name: e.name };
      case "id": {
        const found = this.ctx.lookup(e.name);
        if (found === undefined) throw mathError(e.start, `Unknown metric or expression id '${e.name}'`);
        return Array.isArray(found) ? arrayValue(found.map(normalize)) : seriesValue(normalize(found));
      }
      case "array": {
        const items: Series[] = [];
        for (const item of e.items) {
          const v = await this.eval(item);
          if (v.kind === "series") items.push(v.series);
          else if (v.kind === "array") items.push(...v.items);
          else throw mathError(item.start, `An array holds time series, but this item is ${describeKind(v)}`);
        }
        return arrayValue(items);
      }
      case "unary": {
        const v = await this.eval(e.operand);
        const f = e.op === "-" ? (x: number) => -x : (x: number) => (x === 0 ? 1 : 0);
        switch (v.kind) {
          case "scalar":
            return scalar(Number.isNaN(v.value) ? NaN : f(v.value));
          case "series":
            return seriesValue(mapPoints(v.series, f));
          case "array":
            return arrayValue(v.items.map((s) => mapPoints(s, f)));
          default:
            throw mathError(e.start, `${e.op === "-" ? "Unary minus" : "NOT"} applies to a number or time series, not ${describeKind(v)}`);
        }
      }
      case "binary": {
        const [l, r] = await Promise.all([this.eval(e.left), this.eval(e.right)]);
        return this.binary(e, l, r);
      }
      case "call":
        return this.call(e);
    }
  }

  private async call(e: CallExpr): Promise<Value> {
    const spec = FUNCTIONS[e.name];
    if (!spec) throw mathError(e.start, `Unknown function ${e.name}`);
    const args = spec.evaluateArgs === false ? [] : await Promise.all(e.args.map((a) => this.eval(a)));
    const env: CallEnv = { ctx: this.ctx, call: e, grid: (anchor, period) => this.grid(anchor, e.start, period) };
    return spec.apply(args, env);
  }

  private binary(e: Extract<Expr, { kind: "binary" }>, l: Value, r: Value): Value {
    const f = OPS[e.op];
    const bad = [l, r].find((v) => v.kind === "string" || v.kind === "keyword");
    if (bad) throw mathError(e.opStart, `The operator ${e.op} applies to numbers and time series, not ${describeKind(bad)}`);
    if (l.kind === "array" && r.kind === "array") {
      throw mathError(e.opStart, `The operator ${e.op} cannot combine two arrays of time series`);
    }
    // Two series; `keep` is the series whose label and metric the result keeps (an array's element).
    const both = (a: Series, b: Series, keep?: Series): Series => {
      const label = keep?.label ?? e.text;
      const out = zipUnion(a, b, f, 0, label);
      return keep?.metric ? { ...out, metric: keep.metric } : out;
    };
    const withScalar = (s: Series, c: number, scalarOnLeft: boolean): Series =>
      Number.isNaN(c) ? makeSeries(s.label, [], [], s.metric, s.periodSeconds) : mapPoints(s, scalarOnLeft ? (x) => f(c, x) : (x) => f(x, c));

    if (l.kind === "scalar" && r.kind === "scalar") {
      return scalar(Number.isNaN(l.value) || Number.isNaN(r.value) ? NaN : f(l.value, r.value));
    }
    if (l.kind === "scalar") {
      if (r.kind === "series") return seriesValue(withScalar(r.series, l.value, true));
      if (r.kind === "array") return arrayValue(r.items.map((s) => withScalar(s, l.value, true)));
    }
    if (r.kind === "scalar") {
      if (l.kind === "series") return seriesValue(withScalar(l.series, r.value, false));
      if (l.kind === "array") return arrayValue(l.items.map((s) => withScalar(s, r.value, false)));
    }
    if (l.kind === "series" && r.kind === "series") return seriesValue(both(l.series, r.series));
    if (l.kind === "array" && r.kind === "series") return arrayValue(l.items.map((s) => both(s, r.series, s)));
    if (l.kind === "series" && r.kind === "array") return arrayValue(r.items.map((s) => both(l.series, s, s)));
    throw mathError(e.opStart, `The operator ${e.op} cannot combine ${describeKind(l)} and ${describeKind(r)}`);
  }
}

const copy = (s: Series, label = s.label): Series => makeSeries(label, s.timestamps.slice(), s.values.slice(), s.metric, s.periodSeconds);

/**
 * Evaluates an expression (text or parsed). Throws a ValidationError
 * (ServiceError, with the position in the message) for a bad expression, an
 * unknown id, or arguments of the wrong type. The result never shares arrays
 * with the inputs.
 */
export async function evaluateExpression(expr: Expr | string, ctx: MathContext): Promise<Series | Series[]> {
  const root = typeof expr === "string" ? parseExpression(expr) : expr;
  const evaluator = new Evaluator(ctx);
  const v = await evaluator.eval(root);
  const label = ctx.id ?? root.text;
  switch (v.kind) {
    case "scalar": {
      const ts = Number.isNaN(v.value) ? [] : evaluator.grid(undefined, root.start);
      return makeSeries(label, ts, ts.map(() => v.value));
    }
    case "series":
      return copy(v.series, label);
    case "array":
      return v.items.map((s) => copy(s));
    default:
      throw new MathError(
        `The expression must produce a time series or an array of time series, not ${describeKind(v)} (at position ${root.start})`,
        root.start,
      );
  }
}
