/**
 * Tokens every event a query can match must contain whole, for the chunk
 * token filters (scanLogEvents' requiredTokens). Conservative: only the
 * filters that run before any stats or pattern, only their top-level `and` terms, and
 * only literals whose tokens are whole inside the literal itself.
 */
import type { Command, Expr } from "./ast.js";

const WORD = /[A-Za-z0-9_]/;
const SYSTEM = new Set(["@timestamp", "@message", "@logStream", "@log", "@ingestionTime", "@ptr"]);

/** Tokens of `text` bounded by non-word characters inside `text` (so whole in any message containing it). */
function interiorTokens(text: string): string[] {
  const out: string[] = [];
  const re = /[A-Za-z0-9_]+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const before = m.index > 0;
    const after = m.index + m[0].length < text.length;
    if (before && after) out.push(m[0]);
  }
  return out;
}

/** A regex that is a plain literal (word characters, spaces, escaped punctuation) and its text. */
function regexLiteral(source: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_ :=,]|\\[^A-Za-z0-9])*$/.test(source)) return undefined;
  return source.replace(/\\(.)/g, "$1");
}

function conjuncts(e: Expr, out: Expr[]): void {
  if (e.kind === "binary" && e.op === "and") {
    conjuncts(e.left, out);
    conjuncts(e.right, out);
  } else out.push(e);
}

export function requiredTokens(commands: Command[]): string[] {
  const assigned = new Set<string>();
  const tokens = new Set<string>();
  for (const c of commands) {
    // Filters past these see rows they made (a pattern's @severityLabel), not the events' words.
    if (c.kind === "stats" || c.kind === "pattern" || c.kind === "unnest" || c.kind === "dedup" || c.kind === "limit") break;
    if (c.kind === "fields" || c.kind === "display") for (const i of c.items) if (!(i.expr.kind === "field" && i.expr.name === i.name)) assigned.add(i.name);
    if (c.kind === "parse") c.names.forEach((n) => assigned.add(n));
    if (c.kind === "lookup") c.outputs.forEach((n) => assigned.add(n));
    if (c.kind !== "filter") continue;
    const terms: Expr[] = [];
    conjuncts(c.expr, terms);
    for (const t of terms) {
      if (t.kind === "like" && !t.negated && t.subject.kind === "field" && t.subject.name === "@message" && !assigned.has("@message")) {
        const p = t.pattern;
        let text: string | undefined;
        if (p.kind === "string") text = p.value;
        else if (p.kind === "regex" && !p.flags.includes("i") && !p.source.includes("(?i)")) text = regexLiteral(p.source);
        if (text !== undefined) interiorTokens(text).forEach((x) => tokens.add(x));
      }
      // `field = "WORD"` on a discovered field: the word stands whole in the message (JSON string, flow-log column).
      if (t.kind === "binary" && t.op === "=" && t.left.kind === "field" && t.right.kind === "string") {
        const name = t.left.name;
        const v = t.right.value;
        if (!SYSTEM.has(name) && !assigned.has(name) && v.length > 0 && [...v].every((ch) => WORD.test(ch))) tokens.add(v);
      }
    }
  }
  return [...tokens];
}

/**
 * The bin periods (ms) of a query that only counts events, by nothing or by
 * `bin(period)` of @timestamp: `stats count(*) [by bin(5m)]` first, so no
 * command before it reads an event. Such a query needs only how many events
 * fall in each bin, so a stored block wholly inside one bin is counted from
 * the chunk index without being read. Undefined for any other query.
 */
export function countOnlyBins(commands: Command[]): number[] | undefined {
  const stats = commands[0];
  if (stats?.kind !== "stats") return undefined;
  const countsAll = (e: Expr) => e.kind === "call" && e.name === "count" && (e.args.length === 0 || (e.args.length === 1 && e.args[0].kind === "star"));
  if (!stats.aggs.every((a) => countsAll(a.expr))) return undefined;
  const periods: number[] = [];
  for (const { expr: e } of stats.by) {
    if (e.kind !== "call" || e.name !== "bin" || e.args.length !== 1) return undefined;
    const a = e.args[0];
    const period = a.kind === "duration" ? a.ms : a.kind === "number" ? a.value : NaN;
    if (!(period > 0)) return undefined;
    periods.push(period);
  }
  return periods;
}
