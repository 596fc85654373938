/**
 * Runs a parsed Logs Insights query over events fed one at a time.
 *
 * The commands up to the first stats / pattern / sort / limit / dedup / unnest
 * run per event as it arrives (nothing is kept of an event that fails a
 * filter); a stats or pattern there folds events into its groups or patterns
 * as they come (with diff, events of the comparison period too); otherwise the rows
 * are kept in a bounded top-k under the query's first sort order (or the
 * default, newest first). The rest of the pipeline runs over that at
 * `results()`, which may be called any time for partial results.
 */
import { internalFailure } from "../../errors.js";
import { AGGREGATES, type Command, type Expr, type NamedExpr, type Query, type SortKey } from "./ast.js";
import { lookupField, systemField, type InsightsEvent } from "./discovered-fields.js";
import { callFunction, type CallContext } from "./functions.js";
import { regexOf } from "./parser.js";
import { comparisonRange, type DiffPeriod } from "./comparison.js";
import { byCount, PatternClusterer } from "./patterns.js";
import { applyLookup } from "./lookup-stage.js";
import { compareValues, isTruthy, toNumber, toText, Time, valuesEqual, type Value } from "./values.js";

/**
 * Rows a query returns: 10,000 unless StartQuery's `limit` says otherwise, at most
 * 100,000 (the API reference's StartQuery `limit`; GetQueryResults pages them).
 */
export const DEFAULT_RESULTS = 10_000;
export const MAX_RESULTS = 100_000;
/** Rows kept for a pipeline that must see them all before it can cut (dedup / unnest first). */
const MAX_BUFFERED_ROWS = 200_000;
/** Bytes of messages the kept rows may hold; past it the rows furthest down the order go. */
const MAX_BUFFERED_BYTES = 128 * 2 ** 20;
/** Groups one stats command keeps; events of further groups are dropped (and the run marked truncated). */
export const MAX_GROUPS = 100_000;
/** Values pct keeps per group: a uniform sample past this, so percentiles are approximate, as AWS's are. */
const PCT_SAMPLE = 10_000;
/** Distinct values count_distinct keeps exactly per group; past it the count is a lower bound (AWS: "just an approximation"). */
const DISTINCT_CAP = 100_000;

export interface ResultField {
  field: string;
  value: string;
}

export interface RunOptions {
  /** ms; what now() answers. */
  now: number;
  /** StartQuery's `limit`: at most this many rows (default and ceiling 10,000). */
  limit?: number;
  /** The query's time range [start, end) in ms: `pattern` draws @visualization over it, `diff` compares with the period before it. */
  range?: { start: number; end: number };
}

export class Row {
  /** Fields the query set (fields, parse, stats); made on first set. */
  private own?: Map<string, Value>;
  /** What lookups of the event's own fields keep between them (its parsed JSON). */
  private readonly found: { parsed?: unknown; other?: Map<string, Value> } = {};
  /** Arrival order, the tie-breaker of every ordering. */
  seq = 0;

  constructor(readonly event?: InsightsEvent) {}

  get(name: string): Value {
    if (this.own?.has(name)) return this.own.get(name)!;
    if (!this.event) return null;
    const s = systemField(this.event, name);
    if (s !== undefined) return s;
    return lookupField(this.event, name, this.found);
  }

  set(name: string, v: Value): void {
    (this.own ??= new Map()).set(name, v);
  }

  clone(): Row {
    const r = new Row(this.event);
    if (this.own) r.own = new Map(this.own);
    Object.assign(r.found, this.found);
    r.seq = this.seq;
    return r;
  }

  timestamp(): number | null {
    if (this.event && !this.own?.has("@timestamp")) return this.event.timestamp;
    return toNumber(this.get("@timestamp"));
  }
}

const regexCache = new WeakMap<Expr, RegExp>();

/** Evaluates an expression over a row; `agg` answers aggregate calls (stats output). */
export function evaluate(e: Expr, row: Row, ctx: CallContext, agg?: (call: Expr) => Value): Value {
  switch (e.kind) {
    case "field":
      return row.get(e.name);
    case "number":
      return e.value;
    case "string":
      return e.value;
    case "bool":
      return e.value;
    case "duration":
      return e.ms;
    case "regex":
      return e.source;
    case "star":
    case "list":
      return null;
    case "unary": {
      const v = evaluate(e.arg, row, ctx, agg);
      if (e.op === "not") return v === null ? null : !isTruthy(v);
      const n = toNumber(v);
      return n === null ? null : -n;
    }
    case "binary":
      return binary(e.op, e.left, e.right, row, ctx, agg);
    case "like": {
      const subject = toText(evaluate(e.subject, row, ctx, agg));
      if (subject === null) return null;
      let hit: boolean;
      if (e.pattern.kind === "regex") {
        let re = regexCache.get(e.pattern);
        if (!re) regexCache.set(e.pattern, (re = regexOf(e.pattern.source, e.pattern.flags)));
        hit = re.test(subject);
      } else {
        const p = toText(evaluate(e.pattern, row, ctx, agg));
        if (p === null) return null;
        hit = subject.includes(p);
      }
      return e.negated ? !hit : hit;
    }
    case "in": {
      const v = evaluate(e.subject, row, ctx, agg);
      if (v === null) return null;
      const hit = e.list.some((x) => valuesEqual(v, evaluate(x, row, ctx, agg)));
      return e.negated ? !hit : hit;
    }
    case "call": {
      // Past a stats, `count(*)` names the column stats made under that text (`sort count(*) desc`).
      if (AGGREGATES.has(e.name)) return agg ? agg(e) : row.get(e.text);
      if (e.name === "if") {
        const c = evaluate(e.args[0], row, ctx, agg);
        return evaluate(isTruthy(c) ? e.args[1] : e.args[2], row, ctx, agg);
      }
      if (e.name === "bin") {
        // The commonest stats key, once per event: no argument array, no context object.
        const period = toNumber(evaluate(e.args[0], row, ctx, agg));
        const ts = row.timestamp();
        return period === null || period <= 0 || ts === null ? null : new Time(Math.floor(ts / period) * period);
      }
      return callFunction(
        e.name,
        e.args.map((a) => evaluate(a, row, ctx, agg)),
        ctx,
      );
    }
  }
}

function binary(op: string, l: Expr, r: Expr, row: Row, ctx: CallContext, agg?: (call: Expr) => Value): Value {
  if (op === "and") {
    const a = evaluate(l, row, ctx, agg);
    if (a !== null && !isTruthy(a)) return false;
    const b = evaluate(r, row, ctx, agg);
    if (b !== null && !isTruthy(b)) return false;
    return a === null || b === null ? null : true;
  }
  if (op === "or") {
    const a = evaluate(l, row, ctx, agg);
    if (a !== null && isTruthy(a)) return true;
    const b = evaluate(r, row, ctx, agg);
    if (b !== null && isTruthy(b)) return true;
    return a === null || b === null ? null : false;
  }
  const a = evaluate(l, row, ctx, agg);
  const b = evaluate(r, row, ctx, agg);
  if (a === null || b === null) return null;
  switch (op) {
    case "=":
      return valuesEqual(a, b);
    case "!=":
      return !valuesEqual(a, b);
    case "<":
      return compareValues(a, b) < 0;
    case "<=":
      return compareValues(a, b) <= 0;
    case ">":
      return compareValues(a, b) > 0;
    case ">=":
      return compareValues(a, b) >= 0;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === null || y === null) return null;
  let v: number;
  switch (op) {
    case "+":
      v = x + y;
      break;
    case "-":
      v = x - y;
      break;
    case "*":
      v = x * y;
      break;
    case "/":
      v = x / y;
      break;
    case "%":
      v = x % y;
      break;
    default:
      v = x ** y;
  }
  return Number.isFinite(v) ? v : null;
}

// ---------------------------------------------------------------------------
// Row-wise commands

function applyRowCommand(c: Command, row: Row, ctx: CallContext): boolean {
  switch (c.kind) {
    case "filter":
      return isTruthy(evaluate(c.expr, row, ctx));
    case "fields":
    case "display":
      for (const item of c.items) if (!(item.expr.kind === "field" && item.expr.name === item.name)) row.set(item.name, evaluate(item.expr, row, ctx));
      return true;
    case "parse":
      parseInto(c, row, ctx);
      return true;
    case "unmask":
      return true;
    case "lookup":
      return applyLookup(c, row);
    default:
      throw new Error(`not a row command: ${c.kind}`);
  }
}

const globCache = new WeakMap<Command, RegExp>();

function parseInto(c: Extract<Command, { kind: "parse" }>, row: Row, ctx: CallContext): void {
  const subject = toText(evaluate(c.field, row, ctx));
  let re = c.regex;
  if (!re) {
    re = globCache.get(c);
    if (!re) globCache.set(c, (re = globRegex(c.glob!)));
  }
  const m = subject === null ? null : re.exec(subject);
  if (c.regex) {
    for (const name of c.names) row.set(name, m?.groups?.[name] ?? null);
  } else {
    c.names.forEach((name, i) => row.set(name, m ? m[i + 1] : null));
  }
}

/** A glob's `*` matches as little as it can, except a trailing one, which takes the rest. */
function globRegex(glob: string): RegExp {
  const parts = glob.split("*");
  const esc = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  let src = esc[0];
  for (let i = 1; i < esc.length; i++) src += (i === esc.length - 1 && esc[i] === "" ? "(.*)" : "(.*?)") + esc[i];
  return new RegExp(src, "s");
}

const ROW_COMMANDS = new Set(["filter", "fields", "display", "parse", "unmask", "lookup"]);

// ---------------------------------------------------------------------------
// stats

interface Accumulator {
  add(row: Row): void;
  /** `count(*)` only: `n` events at once (a block summary of the scan). */
  addMany?(n: number): void;
  result(): Value;
}

function makeAccumulator(call: Extract<Expr, { kind: "call" }>, ctx: CallContext): Accumulator {
  const arg = call.args[0];
  const val = (row: Row) => (arg ? evaluate(arg, row, ctx) : null);
  switch (call.name) {
    case "count": {
      let n = 0;
      const all = !arg || arg.kind === "star";
      return { add: (r) => void ((all || val(r) !== null) && n++), addMany: all ? (k) => void (n += k) : undefined, result: () => n };
    }
    case "count_distinct": {
      const seen = new Set<string>();
      return {
        add: (r) => {
          const v = toText(val(r));
          if (v !== null && seen.size < DISTINCT_CAP) seen.add(v);
        },
        result: () => seen.size,
      };
    }
    case "sum":
    case "avg": {
      let s = 0;
      let n = 0;
      return {
        add: (r) => {
          const x = toNumber(val(r));
          if (x !== null) {
            s += x;
            n++;
          }
        },
        result: () => (n === 0 ? null : call.name === "sum" ? s : s / n),
      };
    }
    case "stddev": {
      let n = 0;
      let mean = 0;
      let m2 = 0;
      return {
        add: (r) => {
          const x = toNumber(val(r));
          if (x === null) return;
          n++;
          const d = x - mean;
          mean += d / n;
          m2 += d * (x - mean);
        },
        // Sample standard deviation (n - 1), as statistics packages report it.
        result: () => (n === 0 ? null : n === 1 ? 0 : Math.sqrt(m2 / (n - 1))),
      };
    }
    case "min":
    case "max":
    case "sortsfirst":
    case "sortslast": {
      let best: Value = null;
      const sign = call.name === "min" || call.name === "sortsfirst" ? -1 : 1;
      return {
        add: (r) => {
          const v = val(r);
          if (v !== null && (best === null || compareValues(v, best) * sign > 0)) best = v;
        },
        result: () => best,
      };
    }
    case "earliest":
    case "latest": {
      let bestTs: number | null = null;
      let best: Value = null;
      const later = call.name === "latest";
      return {
        add: (r) => {
          const v = val(r);
          const ts = r.timestamp();
          if (v === null || ts === null) return;
          if (bestTs === null || (later ? ts >= bestTs : ts < bestTs)) {
            bestTs = ts;
            best = v;
          }
        },
        result: () => best,
      };
    }
    case "pct":
    case "percentile": {
      const xs: number[] = [];
      let seen = 0;
      const p = toNumber(call.args[1] ? evaluate(call.args[1], new Row(), ctx) : null) ?? 50;
      return {
        add: (r) => {
          const x = toNumber(val(r));
          if (x === null) return;
          seen++;
          if (xs.length < PCT_SAMPLE) xs.push(x);
          else {
            // Reservoir sampling: every value seen has the same chance to be kept.
            const j = Math.floor(Math.random() * seen);
            if (j < PCT_SAMPLE) xs[j] = x;
          }
        },
        result: () => {
          if (!xs.length) return null;
          xs.sort((a, b) => a - b);
          const i = Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1));
          return xs[i];
        },
      };
    }
    default:
      throw new Error(`not an aggregate: ${call.name}`);
  }
}

function aggregateCalls(e: Expr, out: Extract<Expr, { kind: "call" }>[]): void {
  switch (e.kind) {
    case "call":
      if (AGGREGATES.has(e.name)) out.push(e);
      else e.args.forEach((a) => aggregateCalls(a, out));
      return;
    case "unary":
      aggregateCalls(e.arg, out);
      return;
    case "binary":
      aggregateCalls(e.left, out);
      aggregateCalls(e.right, out);
      return;
    default:
      return;
  }
}

/** Folds rows into the groups of one stats command. */
class StatsFold {
  private readonly groups = new Map<string, { keys: Value[]; accs: Accumulator[] }>();
  private readonly calls: Extract<Expr, { kind: "call" }>[] = [];
  /** Events of groups past MAX_GROUPS were dropped. */
  dropped = false;

  constructor(
    private readonly cmd: Extract<Command, { kind: "stats" }>,
    private readonly ctx: CallContext,
  ) {
    for (const item of cmd.aggs) aggregateCalls(item.expr, this.calls);
  }

  /** `count`: the events the row stands for, only with count(*) aggregates (countOnlyBins of pushdown.ts). */
  add(row: Row, count = 1): void {
    const keys = this.cmd.by.map((b) => evaluate(b.expr, row, this.ctx));
    const id = keys.map((k) => (k === null ? "\u0000" : k instanceof Time ? `t${k.ms}` : `${typeof k}:${toText(k)}`)).join("\u0001");
    let g = this.groups.get(id);
    if (!g) {
      if (this.groups.size >= MAX_GROUPS) {
        this.dropped = true;
        return;
      }
      this.groups.set(id, (g = { keys, accs: this.calls.map((c) => makeAccumulator(c, this.ctx)) }));
    }
    if (count === 1) for (const a of g.accs) a.add(row);
    else
      for (const a of g.accs) {
        if (!a.addMany) throw internalFailure("only count(*) adds many events at once");
        a.addMany(count);
      }
  }

  rows(): Row[] {
    const out: Row[] = [];
    let seq = 0;
    for (const g of this.groups.values()) {
      const row = new Row();
      row.seq = seq++;
      this.cmd.by.forEach((b, i) => row.set(b.name, g.keys[i]));
      const byCall = new Map<Expr, Value>(this.calls.map((c, i) => [c, g.accs[i].result()]));
      for (const item of this.cmd.aggs) row.set(item.name, evaluate(item.expr, row, this.ctx, (c) => byCall.get(c) ?? null));
      out.push(row);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------
// pattern (and diff)

/**
 * The fields a `pattern` row shows: AWS's documented four (CWL_QuerySyntax-Pattern.html), then those
 * public clients read from real responses (@PatternId, @regexString, @logSamples' `logEvent` in a
 * serverless framework's pattern analytics; @tokens, @visualization's `timeWindowCountMapping` in a
 * patterns dashboard).
 */
export const PATTERN_FIELDS = ["@pattern", "@ratio", "@sampleCount", "@severityLabel", "@PatternId", "@regexString", "@tokens", "@visualization", "@logSamples"];
/** What `diff` adds to each pattern: its events in the comparison period and the change. */
export const DIFF_FIELDS = ["@previousSampleCount", "@previousRatio", "@changeInSampleCount", "@changeInRatio", "@diff"];

/** Clusters rows into patterns; with `diff`, rows of the comparison period are counted against them. */
class PatternFold {
  private readonly clusterer: PatternClusterer;

  constructor(
    private readonly cmd: Extract<Command, { kind: "pattern" }>,
    private readonly ctx: CallContext,
    private readonly diff: boolean,
    range?: { start: number; end: number },
  ) {
    this.clusterer = new PatternClusterer({ range });
  }

  get truncated(): boolean {
    return this.clusterer.truncated;
  }

  add(row: Row, previous = false): void {
    const text = toText(evaluate(this.cmd.field, row, this.ctx));
    if (text !== null) this.clusterer.add(text, row.timestamp() ?? 0, previous ? 1 : 0);
  }

  rows(): Row[] {
    const [total, prevTotal] = this.clusterer.totals;
    const kept = this.clusterer.clusters().filter((c) => this.diff || c.counts[0] > 0);
    const ordered = kept
      .map((c) => {
        const d = this.clusterer.describe(c);
        return { c, d, count: c.counts[0], pattern: d.pattern };
      })
      .sort((a, b) => byCount(a, b) || b.c.counts[1] - a.c.counts[1]);
    return ordered.map(({ c, d }, seq) => {
      const row = new Row();
      row.seq = seq;
      const ratio = total ? c.counts[0] / total : 0;
      row.set("@pattern", d.pattern);
      row.set("@ratio", ratio);
      row.set("@sampleCount", c.counts[0]);
      row.set("@severityLabel", d.severity);
      row.set("@PatternId", d.patternId);
      row.set("@regexString", d.regex);
      row.set("@tokens", d.tokens);
      row.set("@visualization", d.visualization);
      row.set("@logSamples", d.logSamples);
      if (this.diff) {
        const [now, before] = c.counts;
        const prevRatio = prevTotal ? before / prevTotal : 0;
        row.set("@previousSampleCount", before);
        row.set("@previousRatio", prevRatio);
        row.set("@changeInSampleCount", now - before);
        row.set("@changeInRatio", ratio - prevRatio);
        row.set("@diff", before === 0 ? "new" : now === 0 ? "removed" : now > before ? "increased" : now < before ? "decreased" : "unchanged");
      }
      return row;
    });
  }
}

// ---------------------------------------------------------------------------
// ordering

function rowComparator(keys: SortKey[], ctx: CallContext): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const k of keys) {
      const x = evaluate(k.expr, a, ctx);
      const y = evaluate(k.expr, b, ctx);
      if (x === null && y === null) continue;
      if (x === null) return 1; // absent values last either way
      if (y === null) return -1;
      const c = compareValues(x, y);
      if (c) return k.desc ? -c : c;
    }
    return a.seq - b.seq;
  };
}

/** Newest first, the order AWS's results come in when a query has no sort. */
const newestFirst = (a: Row, b: Row) => (b.timestamp() ?? 0) - (a.timestamp() ?? 0) || b.seq - a.seq;

// ---------------------------------------------------------------------------
// the run

export class QueryRun {
  private readonly ctx: CallContext;
  private readonly prefix: Command[];
  private readonly rest: Command[];
  private readonly fold?: StatsFold | PatternFold;
  /** `diff`'s comparison period: the rows of events read from it only count against the patterns. */
  private readonly diff?: DiffPeriod;
  private readonly order: (a: Row, b: Row) => number;
  private readonly keep: number;
  private rows: Row[] = [];
  private sorted = true;
  private seq = 0;
  private bufferedBytes = 0;
  /** Events that passed every filter before the first stats / sort / limit. */
  recordsMatched = 0;
  /** Set when a bound (rows, bytes, groups) dropped something the query would have shown. */
  truncated = false;

  constructor(
    readonly query: Query,
    private readonly opts: RunOptions,
  ) {
    this.ctx = { now: opts.now };
    const cut = query.commands.findIndex((c) => !ROW_COMMANDS.has(c.kind));
    this.prefix = cut < 0 ? query.commands : query.commands.slice(0, cut);
    const after = cut < 0 ? [] : query.commands.slice(cut);
    const resultCap = Math.min(opts.limit ?? DEFAULT_RESULTS, MAX_RESULTS);
    if (after[0]?.kind === "stats" || after[0]?.kind === "pattern") {
      if (after[0].kind === "stats") this.fold = new StatsFold(after[0], this.ctx);
      else {
        // The parser puts diff right after the first pattern (a pattern @message of its own when none is written).
        if (after[1]?.kind === "diff") this.diff = after[1].period;
        this.fold = new PatternFold(after[0], this.ctx, this.diff !== undefined, opts.range);
      }
      this.rest = after.slice(this.diff ? 2 : 1);
      this.order = newestFirst;
      this.keep = Infinity;
      return;
    }
    this.rest = after;
    const first = after[0];
    this.order = first?.kind === "sort" ? rowComparator(first.keys, this.ctx) : newestFirst;
    const limitAt = first?.kind === "sort" ? after[1] : first;
    const needsAll = after.some((c) => c.kind === "stats" || c.kind === "pattern" || c.kind === "dedup" || c.kind === "unnest" || c.kind === "filter");
    if (limitAt?.kind === "limit") this.keep = Math.min(limitAt.n, resultCap);
    else this.keep = needsAll ? MAX_BUFFERED_ROWS : resultCap;
  }

  /** The ranges [start, end) in ms the query reads: its own, then diff's comparison period. */
  ranges(start: number, end: number): { start: number; end: number; previous: boolean }[] {
    const own = { start, end, previous: false };
    return this.diff ? [own, { ...comparisonRange(this.diff, start, end), previous: true }] : [own];
  }

  /**
   * Feeds one event (`previous`: of diff's comparison period); answers whether it matched the query's filters.
   * `count`: the events it stands for, only for a query countOnlyBins accepts (it reads their @timestamp alone).
   */
  push(event: InsightsEvent, previous = false, count = 1): boolean {
    if (previous && !this.diff) return false;
    const row = new Row(event);
    row.seq = this.seq++;
    for (const c of this.prefix) if (!applyRowCommand(c, row, this.ctx)) return false;
    this.recordsMatched += count;
    if (this.fold instanceof PatternFold) {
      this.fold.add(row, previous);
      return true;
    }
    if (this.fold) {
      this.fold.add(row, count);
      return true;
    }
    this.rows.push(row);
    this.sorted = false;
    this.bufferedBytes += event.message.length * 2;
    if (this.rows.length >= this.keep * 2 + 1024 || this.bufferedBytes > MAX_BUFFERED_BYTES) this.trim();
    return true;
  }

  private trim(): void {
    if (!this.sorted) this.rows.sort(this.order);
    this.sorted = true;
    if (this.rows.length > this.keep) {
      if (this.keep === MAX_BUFFERED_ROWS) this.truncated = true;
      this.rows.length = this.keep;
    }
    this.bufferedBytes = this.rows.reduce((n, r) => n + (r.event?.message.length ?? 0) * 2, 0);
    while (this.bufferedBytes > MAX_BUFFERED_BYTES && this.rows.length > 1) {
      this.bufferedBytes -= (this.rows.pop()!.event?.message.length ?? 0) * 2;
      this.truncated = true;
    }
  }

  /** The rows as GetQueryResults lists them, so far. */
  results(): ResultField[][] {
    let rows: Row[];
    if (this.fold instanceof StatsFold ? this.fold.dropped : this.fold?.truncated) this.truncated = true;
    if (this.fold) rows = this.fold.rows();
    else {
      this.trim();
      rows = this.rows.map((r) => r.clone());
    }
    rows = runCommands(this.rest, rows, this.ctx);
    const cap = Math.min(this.opts.limit ?? DEFAULT_RESULTS, MAX_RESULTS);
    if (rows.length > cap) rows.length = cap;
    const columns = projection(this.query);
    const aggregated = this.query.commands.some((c) => c.kind === "stats" || c.kind === "pattern");
    return rows.map((row) => {
      const out: ResultField[] = [];
      for (const name of columns) {
        const v = toText(row.get(name));
        if (v !== null) out.push({ field: name, value: v });
      }
      if (!aggregated && !columns.includes("@ptr") && row.event) out.push({ field: "@ptr", value: row.event.ptr });
      return out;
    });
  }
}

function runCommands(commands: Command[], input: Row[], ctx: CallContext): Row[] {
  let rows = input;
  for (const c of commands) {
    switch (c.kind) {
      case "stats": {
        const fold = new StatsFold(c, ctx);
        for (const r of rows) fold.add(r);
        rows = fold.rows();
        break;
      }
      case "pattern": {
        const fold = new PatternFold(c, ctx, false);
        for (const r of rows) fold.add(r);
        rows = fold.rows();
        break;
      }
      case "sort":
        rows = [...rows].sort(rowComparator(c.keys, ctx));
        break;
      case "limit":
        rows = rows.slice(0, c.n);
        break;
      case "dedup": {
        const seen = new Set<string>();
        rows = rows.filter((r) => {
          const vals = c.fields.map((f) => evaluate(f, r, ctx));
          if (vals.some((v) => v === null)) return true; // absent values are never duplicates
          const key = vals.map((v) => toText(v)).join("\u0001");
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        break;
      }
      case "unnest": {
        const out: Row[] = [];
        for (const r of rows) {
          const items = arrayOf(evaluate(c.field, r, ctx));
          if (!items) continue;
          for (const item of items) {
            const x = r.clone();
            x.set(c.into, item === null || typeof item !== "object" ? (item as Value) ?? null : JSON.stringify(item));
            out.push(x);
          }
        }
        rows = out;
        break;
      }
      default:
        rows = rows.filter((r) => applyRowCommand(c, r, ctx));
    }
  }
  return rows;
}

function arrayOf(v: Value): unknown[] | undefined {
  if (typeof v !== "string" || !v.startsWith("[")) return undefined;
  try {
    const a = JSON.parse(v);
    return Array.isArray(a) ? a : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The columns a result row shows: the last `display`, else every `fields`
 * (after the last stats, its groups and aggregates first), else @timestamp
 * and @message with what parse and unnest made.
 */
export function projection(q: Query): string[] {
  let display: string[] | undefined;
  let explicit: string[] = [];
  let implicit: string[] = [];
  let aggregated = false;
  const add = (list: string[], names: string[]) => {
    for (const n of names) if (!list.includes(n)) list.push(n);
  };
  for (const c of q.commands) {
    if (c.kind === "display") display = c.items.map((i: NamedExpr) => i.name);
    else if (c.kind === "fields") add(explicit, c.items.map((i) => i.name));
    else if (c.kind === "parse") add(implicit, c.names);
    else if (c.kind === "unnest") add(implicit, [c.into]);
    else if (c.kind === "lookup") add(implicit, c.outputs);
    else if (c.kind === "stats") {
      aggregated = true;
      display = undefined;
      explicit = [...c.by.map((b) => b.name), ...c.aggs.map((a) => a.name)];
      implicit = [];
    } else if (c.kind === "pattern") {
      aggregated = true;
      display = undefined;
      explicit = [...PATTERN_FIELDS];
      implicit = [];
    } else if (c.kind === "diff") add(explicit, DIFF_FIELDS);
  }
  if (display) return display;
  if (aggregated) return [...explicit, ...implicit.filter((n) => !explicit.includes(n))];
  if (explicit.length) return explicit;
  return ["@timestamp", "@message", ...implicit];
}
