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

/** The fields of one event, discovered once on first use. */
export function discoverFields(e: InsightsEvent): Map<string, Value> {
  const out = new Map<string, Value>();
  const m = e.message;
  const first = m.trimStart()[0];
  if (first === "{" || first === "[") {
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
  if (Array.isArray(v)) {
    if (prefix) out.set(prefix, JSON.stringify(v));
    v.forEach((item, i) => flatten(item, prefix ? `${prefix}.${i}` : String(i), out));
    return;
  }
  if (typeof v === "object") {
    if (prefix) out.set(prefix, JSON.stringify(v));
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
