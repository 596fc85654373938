/**
 * Log patterns for the `pattern` and `diff` commands
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Pattern.html):
 * a Drain-like clustering. A message splits into tokens between separators
 * (whitespace and `=,;:()[]{}"'|`), timestamps, UUIDs and IPv4 addresses
 * kept whole. A token holding a digit (or a long hex run) is dynamic from the
 * start (`<*>`). Messages join a cluster when they have the same number of
 * tokens, the same separators, the same first token and at least half of the
 * cluster's constant tokens; the tokens that differ become dynamic.
 * The README's Logs Insights section says where this may differ from AWS.
 */
import { createHash } from "node:crypto";

export const DYNAMIC = "<*>";

const SEPARATOR = /[\s=,;:()[\]{}"'|]/;
/** Kept as one token though they hold separators: timestamps (date and time, as AWS's `<Time-1>` example), clock times, UUIDs, IPv4[:port]. */
const WHOLE =
  /\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?|\d{1,2}:\d\d:\d\d(?:[.,]\d+)?|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?/y;
const HEX_RUN = /^[0-9a-fA-F]{12,}$/;

/** Share of a cluster's constant tokens a message must repeat to join it (Drain's similarity threshold). */
const SIMILARITY = 0.5;
/** Bounds: clusters a clusterer keeps, distinct values a dynamic token lists, samples a pattern keeps, bytes of text held. */
export const MAX_PATTERNS = 10_000;
const MAX_ENUMERATIONS = 20;
const MAX_SAMPLES = 5;
const MAX_TEXT_BYTES = 64 * 2 ** 20;
const MAX_VALUE_CHARS = 256;
/** Buckets of @visualization over the query's time range. */
const VISUAL_BUCKETS = 60;
const NICE_PERIODS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800].map((s) => s * 1000);

export interface Tokenized {
  tokens: string[];
  /** Separators around the tokens: seps[i] precedes tokens[i]; the last follows the last token. */
  seps: string[];
}

/** Separator characters by code (ASCII); other whitespace is found by SEPARATOR. */
const SEPARATOR_CODES = new Uint8Array(128);
for (const ch of " \t\n\r\v\f=,;:()[]{}\"'|") SEPARATOR_CODES[ch.charCodeAt(0)] = 1;
const isSeparator = (code: number, ch: string) => (code < 128 ? SEPARATOR_CODES[code] === 1 : SEPARATOR.test(ch));
/** Where a WHOLE token may start: a digit or a hex letter. */
const mayBeWhole = (code: number) => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);

export function tokenize(text: string): Tokenized {
  const tokens: string[] = [];
  const seps: string[] = [];
  const n = text.length;
  let i = 0;
  let sepStart = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (isSeparator(code, text[i])) {
      i++;
      continue;
    }
    let end = i;
    if (mayBeWhole(code)) {
      WHOLE.lastIndex = i;
      const whole = WHOLE.exec(text);
      if (whole) {
        const e = i + whole[0].length;
        if (e === n || isSeparator(text.charCodeAt(e), text[e])) end = e;
      }
    }
    if (end === i) while (end < n && !isSeparator(text.charCodeAt(end), text[end])) end++;
    seps.push(text.slice(sepStart, i));
    tokens.push(text.slice(i, end));
    i = sepStart = end;
  }
  seps.push(text.slice(sepStart));
  return { tokens, seps };
}

/** A token that varies by nature: numbers, ids, addresses, times (anything with a digit) and long hex runs. */
export function isDynamicToken(token: string): boolean {
  return /\d/.test(token) || HEX_RUN.test(token);
}

const LEVEL = /\b(fatal|critical|crit|emerg|emergency|alert|panic|error|err|severe|warn|warning|notice|info|information|debug|trace|verbose)\b/i;
const LABELS: Record<string, string> = {
  fatal: "FATAL", critical: "FATAL", crit: "FATAL", emerg: "FATAL", emergency: "FATAL", alert: "FATAL", panic: "FATAL",
  error: "ERROR", err: "ERROR", severe: "ERROR",
  warn: "WARN", warning: "WARN",
  notice: "INFO", info: "INFO", information: "INFO",
  debug: "DEBUG", verbose: "DEBUG", trace: "TRACE",
};
const RANK = ["UNKNOWN", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/** The severity a message states: its first level word (`ERROR`, `[warn]`, `"level":"info"`), else UNKNOWN. */
export function severityOf(text: string): string {
  const m = LEVEL.exec(text.length > 2048 ? text.slice(0, 2048) : text);
  return m ? LABELS[m[1].toLowerCase()] : "UNKNOWN";
}

export interface Cluster {
  /** The template: constant tokens as written, dynamic ones DYNAMIC. */
  tokens: string[];
  /** The first message's separators: the pattern shows them. */
  seps: string[];
  /** Events per period: [the query's, the comparison period's]. */
  counts: [number, number];
  severities: Map<string, number>;
  /** Per dynamic token position, values seen and their counts (at most MAX_ENUMERATIONS). */
  enumerations: (Map<string, number> | undefined)[];
  samples: { timestamp: number; logEvent: string }[];
  /** Events of the query's period per @visualization bucket start (ms). */
  buckets: Map<number, number>;
}

export interface ClustererOptions {
  /** The query's time range [start, end) in ms: @visualization buckets span it. */
  range?: { start: number; end: number };
}

/** Clusters messages into patterns as they arrive; bounded by MAX_PATTERNS and MAX_TEXT_BYTES. */
export class PatternClusterer {
  private readonly groups = new Map<string, Cluster[]>();
  private readonly all: Cluster[] = [];
  private bytes = 0;
  readonly bucketMs: number;
  /** Messages per period that were clustered. */
  readonly totals: [number, number] = [0, 0];
  /** Set when a bound dropped an event or a detail. */
  truncated = false;

  constructor(private readonly opts: ClustererOptions = {}) {
    const span = opts.range ? opts.range.end - opts.range.start : 3_600_000;
    this.bucketMs = NICE_PERIODS.find((p) => span / p <= VISUAL_BUCKETS) ?? Math.ceil(span / VISUAL_BUCKETS);
  }

  /** Adds one message of the query's period (0) or the comparison period (1). */
  add(text: string, timestamp: number, period: 0 | 1 = 0): void {
    const { tokens, seps } = tokenize(text);
    const masked = tokens.map((t) => (isDynamicToken(t) ? DYNAMIC : t));
    const key = `${tokens.length}\u0001${seps.map(normalizeSpace).join("\u0002")}\u0001${masked[0] ?? ""}`;
    let list = this.groups.get(key);
    let best: Cluster | undefined;
    let bestSim = -1;
    for (const c of list ?? []) {
      const s = similarity(c.tokens, masked);
      if (s >= SIMILARITY && s > bestSim) {
        best = c;
        bestSim = s;
      }
    }
    if (!best) {
      const size = text.length * 2;
      if (this.all.length >= MAX_PATTERNS || this.bytes + size > MAX_TEXT_BYTES) {
        this.truncated = true;
        return;
      }
      this.bytes += size;
      best = { tokens: masked, seps, counts: [0, 0], severities: new Map(), enumerations: masked.map((t) => (t === DYNAMIC ? new Map() : undefined)), samples: [], buckets: new Map() };
      if (!list) this.groups.set(key, (list = []));
      list.push(best);
      this.all.push(best);
    } else {
      const seen = best.counts[0] + best.counts[1];
      masked.forEach((t, i) => {
        if (best!.tokens[i] !== DYNAMIC && best!.tokens[i] !== t) {
          // The constant every earlier event had becomes the first value of a dynamic token.
          best!.enumerations[i] = new Map([[best!.tokens[i], seen]]);
          best!.tokens[i] = DYNAMIC;
        }
      });
    }
    this.totals[period]++;
    best.counts[period]++;
    const sev = severityOf(text);
    best.severities.set(sev, (best.severities.get(sev) ?? 0) + 1);
    best.tokens.forEach((t, i) => {
      if (t !== DYNAMIC) return;
      const e = best!.enumerations[i]!;
      const v = tokens[i].length > MAX_VALUE_CHARS ? tokens[i].slice(0, MAX_VALUE_CHARS) : tokens[i];
      const n = e.get(v);
      if (n !== undefined) e.set(v, n + 1);
      else if (e.size < MAX_ENUMERATIONS && this.bytes + v.length * 2 <= MAX_TEXT_BYTES) {
        e.set(v, 1);
        this.bytes += v.length * 2;
      } else this.truncated = true;
    });
    if (period === 0) {
      const b = Math.floor(timestamp / this.bucketMs) * this.bucketMs;
      best.buckets.set(b, (best.buckets.get(b) ?? 0) + 1);
      if (best.samples.length < MAX_SAMPLES && this.bytes + text.length * 2 <= MAX_TEXT_BYTES) {
        best.samples.push({ timestamp, logEvent: text });
        this.bytes += text.length * 2;
      }
    }
  }

  clusters(): readonly Cluster[] {
    return this.all;
  }

  /** The fields of one pattern's result row (AWS's names), as values. */
  describe(c: Cluster): PatternDescription {
    const pattern = render(c);
    let position = 0;
    const tokens = c.tokens.map((t, i) => {
      if (t !== DYNAMIC) return { isDynamic: false, tokenString: t };
      position++;
      const e = c.enumerations[i]!;
      return {
        dynamicTokenPosition: position,
        isDynamic: true,
        tokenString: DYNAMIC,
        enumerations: Object.fromEntries([...e].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))),
        inferredTokenName: `${inferredType([...e.keys()])}-${position}`,
      };
    });
    return {
      pattern,
      patternId: createHash("md5").update(pattern).digest("hex"),
      regex: regexOf(c),
      severity: [...c.severities].sort((a, b) => b[1] - a[1] || RANK.indexOf(b[0]) - RANK.indexOf(a[0]))[0]?.[0] ?? "UNKNOWN",
      tokens: JSON.stringify(tokens),
      visualization: JSON.stringify({ timeWindowCountMapping: this.visualization(c) }),
      logSamples: JSON.stringify(c.samples),
    };
  }

  /** Counts per bucket over the query's range (empty buckets as 0, so a sparkline reads true). */
  private visualization(c: Cluster): Record<string, number> {
    const out: Record<string, number> = {};
    const r = this.opts.range;
    if (r) {
      for (let b = Math.floor(r.start / this.bucketMs) * this.bucketMs; b < r.end; b += this.bucketMs) out[String(b)] = c.buckets.get(b) ?? 0;
    } else for (const [b, n] of [...c.buckets].sort((x, y) => x[0] - y[0])) out[String(b)] = n;
    return out;
  }
}

export interface PatternDescription {
  pattern: string;
  patternId: string;
  regex: string;
  severity: string;
  tokens: string;
  visualization: string;
  logSamples: string;
}

/** Runs of whitespace compare as one space: `a  b` and `a b` have one shape. */
const normalizeSpace = (sep: string) => (sep === " " || sep === "" || !/\s/.test(sep) ? sep : sep.replace(/\s+/g, " "));

/** Share of the cluster's constant tokens the message repeats (1 when the cluster has none). */
function similarity(template: string[], masked: string[]): number {
  let constant = 0;
  let same = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === DYNAMIC) continue;
    constant++;
    if (template[i] === masked[i]) same++;
  }
  return constant === 0 ? 1 : same / constant;
}

function render(c: Cluster): string {
  let s = "";
  c.tokens.forEach((t, i) => (s += c.seps[i] + t));
  return s + c.seps[c.tokens.length];
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A regular expression every message of the pattern matches: constants as written, dynamic tokens `.*?`. */
function regexOf(c: Cluster): string {
  let s = "";
  c.tokens.forEach((t, i) => (s += escapeRegex(c.seps[i]) + (t === DYNAMIC ? ".*?" : escapeRegex(t))));
  return s + escapeRegex(c.seps[c.tokens.length]);
}

/** The kind of data a dynamic token holds, for its inferredTokenName (AWS's example names: Time, ID, IPAddress; Token when unsure). */
function inferredType(values: string[]): string {
  const all = (re: RegExp) => values.length > 0 && values.every((v) => re.test(v));
  if (all(/^(\d{4}-\d\d-\d\d([T ].*)?|\d{1,2}:\d\d:\d\d([.,]\d+)?)$/)) return "Time";
  if (all(/^\d{1,3}(\.\d{1,3}){3}(:\d+)?$/)) return "IPAddress";
  if (all(/^[+-]?\d+(\.\d+)?$/)) return "Number";
  if (all(/^[0-9A-Za-z]+([-_][0-9A-Za-z]+)*$/) && values.some((v) => /\d/.test(v) && /[A-Za-z]/.test(v))) return "ID";
  return "Token";
}

/** The patterns' rows ordered as results show them: most events first, then by pattern. */
export function byCount(a: { count: number; pattern: string }, b: { count: number; pattern: string }): number {
  return b.count - a.count || (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0);
}
