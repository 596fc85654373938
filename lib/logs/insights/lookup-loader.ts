/**
 * Reads the lookup tables a query names from storage: StartQuery checks they
 * exist with the fields named, the runner reads each once per run and
 * indexes it for its lookup commands (lookup-stage.ts).
 */
import type { Query } from "./ast.js";
import { logsError } from "../../errors.js";
import { invalidParameter } from "../errors.js";
import { parseTableBody } from "../lookup-tables/csv.js";
import { readLookupTable, readLookupTableRecord } from "../lookup-tables/table-store.js";
import { checkFields, indexTable, lookups } from "./lookup-stage.js";

/** Table bodies one query may load, all its lookups together: the memory a run's tables take is bounded. */
export const MAX_QUERY_TABLE_BYTES = 32 * 1024 * 1024;

const tableNotFound = (name: string) => logsError("ResourceNotFoundException", `Lookup table ${name} does not exist.`);

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
    indexTable(c, t.columns, t.rows);
  }
}

