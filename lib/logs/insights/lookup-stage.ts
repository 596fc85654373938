/**
 * The `lookup` command: joins each row to a lookup table's row whose key
 * columns equal the row's fields (exact, case-sensitive text), and sets the
 * OUTPUT columns on the row, overwriting fields of those names (AWS's
 * CWL_QuerySyntax-Lookup page). A row without a match keeps its fields and
 * gains none. Each table is indexed once by the key (lookup-loader.ts reads it).
 */
import type { Command, LookupCommand, Query } from "./ast.js";
import { invalidParameter } from "../errors.js";
import { toText, type Value } from "./values.js";

/** What a lookup reads and writes of a row (the evaluator's Row). */
interface Fields {
  get(name: string): Value;
  set(name: string, v: Value): void;
}

interface LookupIndex {
  /** The OUTPUT columns' values of the first table row with each key. */
  rows: Map<string, string[]>;
}

/** The index each lookup command of a loaded query joins with. */
const bound = new WeakMap<LookupCommand, LookupIndex>();

export const lookups = (q: Query): LookupCommand[] => q.commands.filter((c: Command): c is LookupCommand => c.kind === "lookup");
const KEY_SEP = "\u0001";

/** InvalidParameterException unless the table has every field the command names. */
export function checkFields(c: LookupCommand, columns: string[]): void {
  for (const f of [...c.keys.map((k) => k.tableField), ...c.outputs])
    if (!columns.includes(f)) throw invalidParameter(`Lookup table ${c.table} has no field ${f}.`);
}

/** Indexes a parsed table by the command's key and binds it to the command (lookup-loader.ts reads the tables). */
export function indexTable(c: LookupCommand, columns: string[], rows: string[][]): LookupIndex {
  checkFields(c, columns);
  const keyAt = c.keys.map((k) => columns.indexOf(k.tableField));
  const outAt = c.outputs.map((o) => columns.indexOf(o));
  const index = new Map<string, string[]>();
  for (const r of rows) {
    const k = keyAt.map((i) => r[i]).join(KEY_SEP);
    if (!index.has(k)) index.set(k, outAt.map((i) => r[i]));
  }
  const idx = { rows: index };
  bound.set(c, idx);
  return idx;
}

/** Applies one lookup to a row; it never drops the row. */
export function applyLookup(c: LookupCommand, row: Fields): boolean {
  const idx = bound.get(c);
  if (!idx) throw new Error(`lookup table ${c.table} was not loaded for this query`);
  const parts: string[] = [];
  for (const k of c.keys) {
    const v = toText(row.get(k.logField));
    if (v === null) return true;
    parts.push(v);
  }
  const hit = idx.rows.get(parts.join(KEY_SEP));
  if (hit) c.outputs.forEach((name, i) => row.set(name, hit[i]));
  return true;
}
