/**
 * A lookup table's body: RFC 4180 CSV (comma-separated, `"` quoting with `""`
 * for a quote, CRLF or LF line ends), a header row of column names first. AWS
 * asks for "a header row with column names, UTF-8, at most 10 MB" (API
 * reference, CreateLookupTable); a table that is not that is refused.
 */
import { invalidParameter } from "../errors.js";

/** AWS's ceiling on a table body: 10 MB. */
export const MAX_TABLE_BYTES = 10 * 1024 * 1024;

export interface LookupCsv {
  columns: string[];
  rows: string[][];
}

/** Parses and checks a table body; InvalidParameterException names what is wrong. */
export function parseTableBody(body: string): LookupCsv {
  if (Buffer.byteLength(body, "utf8") > MAX_TABLE_BYTES) throw invalidParameter(`tableBody must be at most ${MAX_TABLE_BYTES} bytes.`);
  if (/[\uD800-\uDFFF]/u.test(body) || body.includes("\uFFFD")) throw invalidParameter("tableBody must be UTF-8 encoded.");
  const records = splitRecords(body);
  const header = records.shift();
  if (!header || header.every((c) => c.trim() === "")) throw invalidParameter("tableBody must start with a header row of column names.");
  const columns = header.map((c) => c.trim());
  if (columns.some((c) => c === "")) throw invalidParameter("tableBody's header row has an empty column name.");
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw invalidParameter(`tableBody's header row names column '${c}' more than once.`);
    seen.add(c);
  }
  records.forEach((r, i) => {
    if (r.length !== columns.length)
      throw invalidParameter(`tableBody row ${i + 2} has ${r.length} fields; the header row has ${columns.length}.`);
  });
  return { columns, rows: records };
}

/** The records of a CSV text; a blank line is no record, an unterminated quote is refused. */
function splitRecords(text: string): string[][] {
  const out: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let touched = false; // the record has a field, even an empty quoted one
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte order mark is no part of the first name
  const endRecord = () => {
    if (touched || field !== "" || fields.length) out.push([...fields, field]);
    fields = [];
    field = "";
    touched = false;
  };
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') {
      quoted = touched = true;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
      touched = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRecord();
    } else field += ch;
  }
  if (quoted) throw invalidParameter("tableBody has a quoted field that is never closed.");
  endRecord();
  return out;
}

/** Writes rows as CSV, quoting a field only when it holds a comma, quote or line break. */
export function formatCsv(columns: string[], rows: string[][]): string {
  const cell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [columns, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}
