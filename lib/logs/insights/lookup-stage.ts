/**
 * The `lookup` command: joins each row to a lookup table's row whose key
 * columns equal the row's fields (exact, case-sensitive text), and sets the
 * OUTPUT columns on the row, overwriting fields of those names (AWS's
 * CWL_QuerySyntax-Lookup page). A row without a match keeps its fields and
 * gains none. Each table is read once per query run and indexed by the key.
 */
import type { Command, LookupCommand, Query } from "./ast.js";
import type { Row } from "./evaluator.js";
import { logsError } from "../../errors.js";
import { invalidParameter } from "../errors.js";
import { parseTableBody } from "../lookup-tables/csv.js";
import { readLookupTable, readLookupTableRecord } from "../lookup-tables/table-store.js";
import { toText } from "./values.js";

/** Table bodies one query may load, all its lookups together: the memory a run's tables take is bounded. */
export const MAX_QUERY_TABLE_BYTES = 32 * 1024 * 1024;

interface LookupIndex {
  /** The OUTPUT columns' values of the first table row with each key. */
  rows: Map<string, string[]>;
}

/** The index each lookup command of a loaded query joins with. */
const bound = new WeakMap<LookupCommand, LookupIndex>();

const lookups = (q: Query): LookupCommand[] => q.commands.filter((c: Command): c is LookupCommand => c.kind === "lookup");
const tableNotFound = (name: string) => logsError("ResourceNotFoundException", `Lookup table ${name} does not exist.`);
const KEY_SEP = "\u0001";

function checkFields(c: LookupCommand, columns: string[]): void {
  for (const f of [...c.keys.map((k) => k.tableField), ...c.outputs])
    if (!columns.includes(f)) throw invalidParameter(`Lookup table ${c.table} has no field ${f}.`);
}

/** StartQuery's check: every table the query names exists in the account and has the fields it names. */
export async function checkLookupTables(accountId: string, query: Query): Promise<void> {
  const cmds = lookups(query);
  if (cmds.length === 0) return;
  const sizes = new Map<string, number>();
  for (const c of cmds) {
    const t = await readLookupTableRecord(accountId, c.table);
    if (!t) throw tableNotFound(c.table);
    checkFields(c, t.columns);
    sizes.set(c.table, t.sizeBytes);
  }
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  if (total > MAX_QUERY_TABLE_BYTES) throw invalidParameter(`The lookup tables of a query may hold at most ${MAX_QUERY_TABLE_BYTES} bytes together.`);
}

/** Reads the query's tables (each once) and indexes them for its lookup commands. */
export async function loadLookupTables(accountId: string, query: Query): Promise<void> {
  const tables = new Map<string, { columns: string[]; rows: string[][] }>();
  let total = 0;
  for (const c of lookups(query)) {
    let t = tables.get(c.table);
    if (!t) {
      const read = await readLookupTable(accountId, c.table);
      if (!read) throw tableNotFound(c.table);
      total += read.record.sizeBytes;
      if (total > MAX_QUERY_TABLE_BYTES) throw invalidParameter(`The lookup tables of a query may hold at most ${MAX_QUERY_TABLE_BYTES} bytes together.`);
      t = parseTableBody(read.body);
      tables.set(c.table, t);
    }
    bound.set(c, indexTable(c, t.columns, t.rows));
  }
}

/** Binds a parsed table to a lookup command directly (no storage): what loadLookupTables does per command. */
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
export function applyLookup(c: LookupCommand, row: Row): boolean {
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
