/**
 * Fields Logs Insights discovers in an event
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html):
 * the system fields, every key of a JSON message flattened (`a.b.c`, arrays as
 * `a.0`), Lambda's START/END/REPORT lines (@type, @requestId, @duration,
 * @billedDuration, @memorySize, @maxMemoryUsed, @initDuration; sizes in bytes)
 * and VPC flow log records in the default format.
 */
import { Time, type Value } from "./values.js";

export interface InsightsEvent {
  logGroup: string;
  logStream: string;
  timestamp: number;
  ingestionTime: number;
  message: string;
  /** Opaque pointer GetLogRecord reads back (@ptr). */
  ptr: string;
  /** `accountId:logGroupName`, as @log shows it. */
  log: string;
}

/** `{` or `[` when the message is shaped like a JSON object or array (so worth parsing), else undefined. */
function looksLikeJson(m: string): string | undefined {
  let a = 0;
  let b = m.length - 1;
  while (a <= b && m.charCodeAt(a) <= 32) a++;
  while (b > a && m.charCodeAt(b) <= 32) b--;
  const f = m[a];
  const l = m[b];
  return (f === "{" && l === "}") || (f === "[" && l === "]") ? f : undefined;
}

/**
 * One field of an event, looked up without flattening: a JSON message is
 * parsed once (`parsed` carries it between lookups) and the name walked as a
 * path; an object or array shows as its JSON text.
 */
export function lookupField(e: InsightsEvent, name: string, cache: { parsed?: unknown; other?: Map<string, Value> }): Value {
  const m = e.message;
  const first = looksLikeJson(m);
  if (first) {
    if (cache.parsed === undefined) {
      const fast = first === "{" ? topLevelScalar(m, name) : undefined;
      if (fast !== undefined) return fast;
      try {
        cache.parsed = JSON.parse(m);
      } catch {
        cache.parsed = null;
      }
    }
    return walk(cache.parsed, name);
  }
  cache.other ??= discoverFields(e);
  return cache.other.get(name) ?? null;
}

const SIMPLE_KEY = /^[A-Za-z0-9_@$-]+$/;
const NUMBER_AT = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A scalar member of the root object read straight from the text, without
 * parsing the message: most queries name a few top-level keys of large JSON
 * events. Undefined whenever it is not certain (key absent, several
 * occurrences, not at depth 1, an escaped string, a container), and the
 * caller parses the message instead; null when the key is surely absent.
 */
function topLevelScalar(m: string, name: string): Value | undefined {
  if (!SIMPLE_KEY.test(name)) return undefined;
  const needle = `"${name}"`;
  const at = m.indexOf(needle);
  if (at < 0) return m.includes("\\") ? undefined : null; // an escaped key could hide it
  if (m.indexOf(needle, at + 1) >= 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < at; i++) {
    const c = m.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
  }
  if (inString || depth !== 1) return undefined;
  let i = at + needle.length;
  while (m.charCodeAt(i) === 32) i++;
  if (m[i] !== ":") return undefined;
  i++;
  while (m.charCodeAt(i) === 32) i++;
  const c = m[i];
  if (c === '"') {
    const end = m.indexOf('"', i + 1);
    if (end < 0) return undefined;
    const text = m.slice(i + 1, end);
    return text.includes("\\") ? undefined : text;
  }
  if (m.startsWith("true", i)) return true;
  if (m.startsWith("false", i)) return false;
  if (m.startsWith("null", i)) return null;
  NUMBER_AT.lastIndex = i;
  const n = NUMBER_AT.exec(m);
  return n ? Number(n[0]) : undefined;
}

function walk(root: unknown, name: string): Value {
  if (root === null || typeof root !== "object") return null;
  let v: unknown = (root as Record<string, unknown>)[name];
  if (v === undefined && name.includes(".")) {
    v = root;
    for (const part of name.split(".")) {
      if (v === null || typeof v !== "object") return null;
      v = (v as Record<string, unknown>)[part];
      if (v === undefined) return null;
    }
  }
  if (v === undefined || v === null) return null;
  if (typeof v === "object") return JSON.stringify(v);
  return v as Value;
}

/** Every field of one event, flattened (GetLogGroupFields, GetLogRecord). */
export function discoverFields(e: InsightsEvent): Map<string, Value> {
  const out = new Map<string, Value>();
  const m = e.message;
  if (looksLikeJson(m)) {
    try {
      flatten(JSON.parse(m), "", out);
    } catch {
      // Not JSON after all: only the system fields.
    }
  } else if (m.startsWith("REPORT ") || m.startsWith("START ") || m.startsWith("END ")) {
    lambda(m, out);
  } else if (/^\d+ \d{12}|^\d+ unknown/.test(m)) {
    flowLog(m, out);
  }
  return out;
}

export function systemField(e: InsightsEvent, name: string): Value | undefined {
  switch (name) {
    case "@timestamp":
      return new Time(e.timestamp);
    case "@message":
      return e.message;
    case "@logStream":
      return e.logStream;
    case "@log":
      return e.log;
    case "@ingestionTime":
      return new Time(e.ingestionTime);
    case "@ptr":
      return e.ptr;
    default:
      return undefined;
  }
}

export const SYSTEM_FIELDS = ["@timestamp", "@message", "@logStream", "@log", "@ingestionTime", "@ptr"];

function flatten(v: unknown, prefix: string, out: Map<string, Value>): void {
  if (v === null || v === undefined) return;
  // Leaves only, as AWS lists a JSON event's fields; a query still reads a container whole (lookupField).
  if (Array.isArray(v)) {
    v.forEach((item, i) => flatten(item, prefix ? `${prefix}.${i}` : String(i), out));
    return;
  }
  if (typeof v === "object") {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") out.set(prefix, v);
}

const LAMBDA_REPORT: [RegExp, string, number][] = [
  [/Duration: ([\d.]+) ms/, "@duration", 1],
  [/Billed Duration: ([\d.]+) ms/, "@billedDuration", 1],
  [/Memory Size: ([\d.]+) MB/, "@memorySize", 1024 * 1024],
  [/Max Memory Used: ([\d.]+) MB/, "@maxMemoryUsed", 1024 * 1024],
  [/Init Duration: ([\d.]+) ms/, "@initDuration", 1],
];

function lambda(m: string, out: Map<string, Value>): void {
  const type = m.slice(0, m.indexOf(" "));
  const id = /RequestId: ([0-9a-fA-F-]+)/.exec(m);
  if (!id) return;
  out.set("@type", type);
  out.set("@requestId", id[1]);
  if (type !== "REPORT") return;
  for (const [re, name, scale] of LAMBDA_REPORT) {
    // "Duration" also matches inside "Billed Duration" / "Init Duration": take the first standalone one.
    const match = name === "@duration" ? /\tDuration: ([\d.]+) ms|^REPORT RequestId: \S+\s+Duration: ([\d.]+) ms/.exec(m) : re.exec(m);
    const text = match?.[1] ?? match?.[2];
    if (text !== undefined) out.set(name, Number(text) * scale);
  }
}

const FLOW_FIELDS = ["version", "accountId", "interfaceId", "srcAddr", "dstAddr", "srcPort", "dstPort", "protocol", "packets", "bytes", "start", "end", "action", "logStatus"];

function flowLog(m: string, out: Map<string, Value>): void {
  const parts = m.trim().split(/\s+/);
  if (parts.length !== FLOW_FIELDS.length) return;
  FLOW_FIELDS.forEach((name, i) => {
    const p = parts[i];
    if (p === "-") return;
    out.set(name, /^\d+$/.test(p) && name !== "accountId" ? Number(p) : p);
  });
}
