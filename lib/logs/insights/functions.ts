/**
 * The scalar functions of Logs Insights, by AWS's documented names
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html).
 * Names are matched case-insensitively, as AWS's are.
 */
import { isIPv4, isIPv6 } from "node:net";
import { toNumber, toText, Time, type Value } from "./values.js";

export interface CallContext {
  /** When the query started, ms (now()). */
  now: number;
}

type Impl = (args: Value[], ctx: CallContext) => Value;

interface FunctionDef {
  min: number;
  max: number;
  fn: Impl;
}

const num = (v: Value) => toNumber(v);
const text = (v: Value) => toText(v);

function numeric1(f: (x: number) => number): FunctionDef {
  return {
    min: 1,
    max: 1,
    fn: ([a]) => {
      const x = num(a);
      if (x === null) return null;
      const r = f(x);
      return Number.isFinite(r) ? r : null;
    },
  };
}

function trimmer(side: "l" | "r" | "both"): FunctionDef {
  return {
    min: 1,
    max: 2,
    fn: ([s, chars]) => {
      const t = text(s);
      if (t === null) return null;
      const set = chars === undefined ? null : text(chars) ?? "";
      const strip = (c: string) => (set === null ? /\s/.test(c) : set.includes(c));
      let a = 0;
      let b = t.length;
      if (side !== "r") while (a < b && strip(t[a])) a++;
      if (side !== "l") while (b > a && strip(t[b - 1])) b--;
      return t.slice(a, b);
    },
  };
}

/** A period argument: a duration literal (evaluated to ms) or a number of ms. */
function period(v: Value): number | null {
  const p = num(v);
  return p !== null && p > 0 ? p : null;
}

const ipv4ToInt = (ip: string) => ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);

function ipv6ToBigInt(ip: string): bigint {
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipv4ToInt(v4[1]);
    s = s.slice(0, -v4[1].length) + ((n >>> 16) & 0xffff).toString(16) + ":" + (n & 0xffff).toString(16);
  }
  const [head, tail] = s.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined ? (tail ? tail.split(":") : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

function inSubnet(ipV: Value, cidrV: Value, family?: 4 | 6): boolean | null {
  const ip = text(ipV);
  const cidr = text(cidrV);
  if (ip === null || cidr === null) return null;
  const [net, bitsText] = cidr.split("/");
  if (isIPv4(ip) && isIPv4(net) && family !== 6) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return ((ipv4ToInt(ip) & mask) >>> 0) === ((ipv4ToInt(net) & mask) >>> 0);
  }
  if (isIPv6(ip) && isIPv6(net) && family !== 4) {
    const bits = bitsText === undefined ? 128 : Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > 128) return false;
    const shift = BigInt(128 - bits);
    return ipv6ToBigInt(ip) >> shift === ipv6ToBigInt(net) >> shift;
  }
  return false;
}

const FUNCTIONS: Record<string, FunctionDef> = {
  // String functions
  concat: { min: 1, max: Infinity, fn: (args) => (args.some((a) => a === null) ? null : args.map((a) => text(a)).join("")) },
  ltrim: trimmer("l"),
  rtrim: trimmer("r"),
  trim: trimmer("both"),
  strlen: { min: 1, max: 1, fn: ([s]) => (text(s) === null ? null : [...text(s)!].length) },
  toupper: { min: 1, max: 1, fn: ([s]) => text(s)?.toUpperCase() ?? null },
  tolower: { min: 1, max: 1, fn: ([s]) => text(s)?.toLowerCase() ?? null },
  substr: {
    min: 2,
    max: 3,
    fn: ([s, start, len]) => {
      const t = text(s);
      const a = num(start);
      if (t === null || a === null) return null;
      const cps = [...t];
      const from = Math.max(0, Math.trunc(a));
      if (len === undefined) return cps.slice(from).join("");
      const n = num(len);
      return n === null ? null : cps.slice(from, from + Math.max(0, Math.trunc(n))).join("");
    },
  },
  replace: {
    min: 3,
    max: 3,
    fn: ([s, a, b]) => {
      const t = text(s);
      const from = text(a);
      const to = text(b);
      if (t === null || from === null || to === null) return null;
      return from === "" ? t : t.split(from).join(to);
    },
  },
  strcontains: {
    min: 2,
    max: 2,
    fn: ([s, sub]) => {
      const t = text(s);
      const u = text(sub);
      if (t === null || u === null) return null;
      return t.includes(u) ? 1 : 0;
    },
  },
  isempty: { min: 1, max: 1, fn: ([s]) => s === null || text(s) === "" },
  isblank: { min: 1, max: 1, fn: ([s]) => s === null || text(s)!.trim() === "" },

  // Numeric functions
  abs: numeric1(Math.abs),
  ceil: numeric1(Math.ceil),
  floor: numeric1(Math.floor),
  log: numeric1(Math.log),
  sqrt: numeric1(Math.sqrt),
  greatest: { min: 1, max: Infinity, fn: (args) => extreme(args, 1) },
  least: { min: 1, max: Infinity, fn: (args) => extreme(args, -1) },

  // Datetime functions
  bin: { min: 1, max: 1, fn: () => null }, // evaluated by the evaluator, which has the row's @timestamp
  datefloor: {
    min: 2,
    max: 2,
    fn: ([t, p]) => {
      const ms = period(p);
      const ts = num(t);
      return ms === null || ts === null ? null : new Time(Math.floor(ts / ms) * ms);
    },
  },
  dateceil: {
    min: 2,
    max: 2,
    fn: ([t, p]) => {
      const ms = period(p);
      const ts = num(t);
      return ms === null || ts === null ? null : new Time(Math.ceil(ts / ms) * ms);
    },
  },
  frommillis: { min: 1, max: 1, fn: ([n]) => (num(n) === null ? null : new Time(num(n)!)) },
  tomillis: { min: 1, max: 1, fn: ([t]) => num(t) },
  // Epoch seconds at the start of the query.
  now: { min: 0, max: 0, fn: (_, ctx) => Math.floor(ctx.now / 1000) },

  // IP address functions
  isvalidip: { min: 1, max: 1, fn: ([s]) => (text(s) === null ? false : isIPv4(text(s)!) || isIPv6(text(s)!)) },
  isvalidipv4: { min: 1, max: 1, fn: ([s]) => (text(s) === null ? false : isIPv4(text(s)!)) },
  isvalidipv6: { min: 1, max: 1, fn: ([s]) => (text(s) === null ? false : isIPv6(text(s)!)) },
  isipinsubnet: { min: 2, max: 2, fn: ([ip, cidr]) => inSubnet(ip, cidr) },
  isipv4insubnet: { min: 2, max: 2, fn: ([ip, cidr]) => inSubnet(ip, cidr, 4) },
  isipv6insubnet: { min: 2, max: 2, fn: ([ip, cidr]) => inSubnet(ip, cidr, 6) },

  // General functions
  ispresent: { min: 1, max: 1, fn: ([v]) => v !== null },
  coalesce: { min: 1, max: Infinity, fn: (args) => args.find((a) => a !== null) ?? null },
  if: { min: 3, max: 3, fn: () => null }, // evaluated lazily by the evaluator
  // No data protection policy masks anything here, so unmask is the value itself.
  unmask: { min: 1, max: 1, fn: ([v]) => v },
};

function extreme(args: Value[], sign: 1 | -1): Value {
  let best: number | null = null;
  for (const a of args) {
    const n = num(a);
    if (n !== null && (best === null || (n - best) * sign > 0)) best = n;
  }
  return best;
}

export function isFunctionName(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name.toLowerCase());
}

export function functionArity(name: string): { min: number; max: number } {
  const f = FUNCTIONS[name];
  return { min: f.min, max: f.max };
}

export function callFunction(name: string, args: Value[], ctx: CallContext): Value {
  return FUNCTIONS[name].fn(args, ctx);
}
