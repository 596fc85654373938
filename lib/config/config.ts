/**
 * Configuration: the `[cloudwatch]` section (with `[cloudwatch.storage]`,
 * `[cloudwatch.logs]`, `[cloudwatch.rolloff]`, `[cloudwatch.collector]`,
 * `[cloudwatch.iam]`) of hive.toml or of the platform's spinifex.toml, then
 * environment overrides named after the key path: `cloudwatch.storage.bucket`
 * is `HIVE_CLOUDWATCH_STORAGE_BUCKET`. Validated once, with clear errors.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";

/**
 * The Go runtime's soft memory limit (GOMEMLIMIT) for a nats-server the service starts: Go
 * otherwise collects only when its heap doubles, and returns freed pages slowly.
 */
export const DEFAULT_NATS_MEMORY_LIMIT_MB = 192;

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

export interface Config {
  enabled: boolean;
  /** Local mode: the dev credential is on and missing servers are started for you. */
  local: boolean;
  region: string;
  host: string;
  port: number;
  dataDir: string;
  natsUrl: string;
  /** NATS auth and TLS as the platform's nats.conf sets them up (token, CA of its server certificate). */
  natsToken: string;
  natsCaFile: string;
  retentionDays: number;
  collectionInterval: string;
  maxMetricsPerRequest: number;
  maxRequestBytes: number;
  /** The service process's memory (RSS) budget; near it, writes are throttled. */
  memoryBudgetMb: number;
  /** GOMEMLIMIT of the nats-server the service starts itself (none when nats_url is set). */
  natsMemoryLimitMb: number;
  /** Bytes a process may hold of ListMetrics' in-process series listing (lib/metrics/read/series-listing.ts); 0 scans every call. */
  listMetricsIndexMb: number;
  /** Seconds of unaggregated metric data past which PutMetricData is throttled. */
  maxIngestLagSeconds: number;
  /** PutMetricData and PutLogEvents calls in flight per process (their ReservedConcurrentExecutions); past it, throttled. */
  maxConcurrentWrites: number;
  /** Mean event-loop delay (ms) past which fewer writes are let in, so reads keep answering; 0: off. */
  maxEventLoopDelayMs: number;
  credentials: Credential[];
  storage: {
    bucket: string;
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
  };
  rolloff: {
    hotRetentionHours: number;
    warmRetentionDays: number;
    coldRetentionDays: number;
    aggregationInterval: string;
  };
  collector: {
    /** Where instance metrics come from: QEMU's telemetry sockets, the platform's metrics.ec2 subject, or nowhere. */
    source: "qmp" | "nats" | "off";
    /** The platform's runtime directory; "" means $XDG_RUNTIME_DIR, else /run/spinifex. */
    runtimeDir: string;
    /** Guest-agent socket path pattern, relative to runtimeDir unless absolute; `{instance-id}` is replaced. */
    guestAgentSocket: string;
    guestAgentTimeout: string;
    qmpTimeout: string;
  };
  iam: {
    /** Verify SigV4 against the platform IAM's keys in NATS KV too. */
    enabled: boolean;
    masterKeyFile: string;
  };
  logs: {
    enabled: boolean;
    bucket: string;
    bufferSize: number;
    flushInterval: string;
    compression: "gzip" | "none";
    retentionDays: number;
    /** Bytes an event may hold, its message's UTF-8 and 26: the seed's 262144 by default; 1048576 for AWS's 1 MB of since April 2025. */
    maxEventSize: number;
    /** Bytes of buffered events past which PutLogEvents answers ThrottlingException (the compactor lags). */
    maxBufferedBytes: number;
  };
}

export class ConfigError extends Error {}

type Kind = "string" | "int" | "bool" | "duration" | "credentials";
interface Key {
  path: string; // dotted toml path below [cloudwatch]
  kind: Kind;
  default: unknown;
  set: (c: Config, v: any) => void;
  check?: (v: any) => string | undefined;
}

const positive = (v: number) => (v > 0 ? undefined : "must be greater than 0");
const port = (v: number) => (v >= 0 && v <= 65535 ? undefined : "must be a port number (0-65535)");

// One table drives parsing, env names, defaults and validation.
const KEYS: Key[] = [
  { path: "enabled", kind: "bool", default: true, set: (c, v) => (c.enabled = v) },
  { path: "local", kind: "bool", default: false, set: (c, v) => (c.local = v) },
  { path: "region", kind: "string", default: "us-east-1", set: (c, v) => (c.region = v) },
  { path: "host", kind: "string", default: "127.0.0.1", set: (c, v) => (c.host = v) },
  { path: "port", kind: "int", default: 4566, set: (c, v) => (c.port = v), check: port },
  { path: "data_dir", kind: "string", default: ".data", set: (c, v) => (c.dataDir = v) },
  { path: "nats_url", kind: "string", default: "", set: (c, v) => (c.natsUrl = v) },
  { path: "nats_token", kind: "string", default: "", set: (c, v) => (c.natsToken = v) },
  { path: "nats_ca_file", kind: "string", default: "", set: (c, v) => (c.natsCaFile = v) },
  { path: "retention_days", kind: "int", default: 14, set: (c, v) => (c.retentionDays = v), check: positive },
  { path: "collection_interval", kind: "duration", default: "1m", set: (c, v) => (c.collectionInterval = v) },
  { path: "max_metrics_per_request", kind: "int", default: 1000, set: (c, v) => (c.maxMetricsPerRequest = v), check: positive },
  { path: "max_request_bytes", kind: "int", default: 2 * 1024 * 1024, set: (c, v) => (c.maxRequestBytes = v), check: positive },
  { path: "memory_budget_mb", kind: "int", default: 1024, set: (c, v) => (c.memoryBudgetMb = v), check: (v) => (v >= 256 ? undefined : "must be at least 256") },
  // docs/memory.md: about 0.4 KB a series; an account that would pass it is listed by a KV scan per call.
  { path: "list_metrics_index_mb", kind: "int", default: 64, set: (c, v) => (c.listMetricsIndexMb = v), check: (v) => (v >= 0 ? undefined : "must be 0 or more") },
  {
    path: "nats_memory_limit_mb", kind: "int", default: DEFAULT_NATS_MEMORY_LIMIT_MB, set: (c, v) => (c.natsMemoryLimitMb = v),
    check: (v) => (v >= 64 ? undefined : "must be at least 64"),
  },
  { path: "max_ingest_lag", kind: "duration", default: "30s", set: (c, v) => (c.maxIngestLagSeconds = durationSeconds(v)) },
  // template.yaml's MaxConcurrentWrites has the same default; 0 throttles every write, as Lambda's reserved concurrency 0 does.
  {
    path: "max_concurrent_writes", kind: "int", default: 64, set: (c, v) => (c.maxConcurrentWrites = v),
    check: (v) => (v >= 0 ? undefined : "must be 0 or more"),
  },
  // Writes yield to reads while the API thread's loop lags more than this (local/write-saturation.ts); 0ms: never.
  {
    path: "max_event_loop_delay", kind: "duration", default: "50ms", set: (c, v) => (c.maxEventLoopDelayMs = durationSeconds(v) * 1000),
  },
  { path: "credentials", kind: "credentials", default: [], set: (c, v) => (c.credentials = v) },
  { path: "storage.bucket", kind: "string", default: "hive-cloudwatch-metrics", set: (c, v) => (c.storage.bucket = v), check: bucketName },
  { path: "storage.endpoint", kind: "string", default: "", set: (c, v) => (c.storage.endpoint = v) },
  { path: "storage.region", kind: "string", default: "us-east-1", set: (c, v) => (c.storage.region = v) },
  { path: "storage.access_key", kind: "string", default: "S3RVER", set: (c, v) => (c.storage.accessKeyId = v) },
  { path: "storage.secret_key", kind: "string", default: "S3RVER", set: (c, v) => (c.storage.secretAccessKey = v) },
  { path: "rolloff.hot_retention_hours", kind: "int", default: 24, set: (c, v) => (c.rolloff.hotRetentionHours = v), check: positive },
  { path: "rolloff.warm_retention_days", kind: "int", default: 7, set: (c, v) => (c.rolloff.warmRetentionDays = v), check: positive },
  { path: "rolloff.cold_retention_days", kind: "int", default: 365, set: (c, v) => (c.rolloff.coldRetentionDays = v), check: positive },
  { path: "rolloff.aggregation_interval", kind: "duration", default: "5m", set: (c, v) => (c.rolloff.aggregationInterval = v) },
  {
    path: "collector.source", kind: "string", default: "qmp", set: (c, v) => (c.collector.source = v),
    check: (v) => (v === "qmp" || v === "nats" || v === "off" ? undefined : 'must be "qmp", "nats" or "off"'),
  },
  { path: "collector.runtime_dir", kind: "string", default: "", set: (c, v) => (c.collector.runtimeDir = v) },
  {
    path: "collector.guest_agent_socket", kind: "string", default: "qga-{instance-id}.sock", set: (c, v) => (c.collector.guestAgentSocket = v),
    check: (v) => (v === "" || v.includes("{instance-id}") ? undefined : "must contain {instance-id} (or be empty to turn the guest-agent collector off)"),
  },
  { path: "collector.guest_agent_timeout", kind: "duration", default: "1s", set: (c, v) => (c.collector.guestAgentTimeout = v) },
  { path: "collector.qmp_timeout", kind: "duration", default: "2s", set: (c, v) => (c.collector.qmpTimeout = v) },
  { path: "iam.enabled", kind: "bool", default: false, set: (c, v) => (c.iam.enabled = v) },
  { path: "iam.master_key_file", kind: "string", default: "/etc/spinifex/master.key", set: (c, v) => (c.iam.masterKeyFile = v) },
  { path: "logs.enabled", kind: "bool", default: true, set: (c, v) => (c.logs.enabled = v) },
  { path: "logs.bucket", kind: "string", default: "cloudwatch-logs", set: (c, v) => (c.logs.bucket = v), check: bucketName },
  { path: "logs.buffer_size", kind: "int", default: 10000, set: (c, v) => (c.logs.bufferSize = v), check: positive },
  { path: "logs.flush_interval", kind: "duration", default: "30s", set: (c, v) => (c.logs.flushInterval = v) },
  {
    path: "logs.compression", kind: "string", default: "gzip", set: (c, v) => (c.logs.compression = v),
    check: (v) => (v === "gzip" || v === "none" ? undefined : 'must be "gzip" or "none"'),
  },
  { path: "logs.retention_days", kind: "int", default: 30, set: (c, v) => (c.logs.retentionDays = v), check: positive },
  { path: "logs.max_event_size", kind: "int", default: 262144, set: (c, v) => (c.logs.maxEventSize = v), check: positive },
  { path: "logs.max_buffered_bytes", kind: "int", default: 512 * 1024 * 1024, set: (c, v) => (c.logs.maxBufferedBytes = v), check: positive },
];

function bucketName(v: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) ? undefined : "must be a valid S3 bucket name";
}

export const envName = (path: string) => `HIVE_CLOUDWATCH_${path.replace(/\./g, "_").toUpperCase()}`;

/** The dev credential of local mode (what `aws configure` users type for localstack too). */
export const LOCAL_CREDENTIAL: Credential = { accessKeyId: "test", secretAccessKey: "test", accountId: "000000000000" };

export function durationSeconds(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new ConfigError(`invalid duration "${s}" (use e.g. 30s, 5m, 1h)`);
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600, d: n * 86400 }[m[2] as "s"];
}

function coerce(key: Key, raw: unknown, from: string): unknown {
  const fail = (what: string): never => {
    throw new ConfigError(`${from}: ${what}`);
  };
  switch (key.kind) {
    case "string":
      if (typeof raw !== "string") fail("must be a string");
      return raw;
    case "int": {
      const n = typeof raw === "string" ? Number(raw) : raw;
      if (typeof n !== "number" && typeof n !== "bigint") fail("must be an integer");
      const v = Number(n);
      if (!Number.isInteger(v)) fail(`must be an integer, got ${JSON.stringify(raw)}`);
      return v;
    }
    case "bool":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      return fail(`must be true or false, got ${JSON.stringify(raw)}`);
    case "duration":
      if (typeof raw !== "string") fail("must be a duration string like \"5m\"");
      try {
        durationSeconds(raw as string);
      } catch (e) {
        fail((e as Error).message);
      }
      return raw;
    case "credentials":
      return parseCredentials(raw, from);
  }
}

/** `[[cloudwatch.credentials]]` tables, or `KEY:SECRET:ACCOUNT,...` in the environment. */
function parseCredentials(raw: unknown, from: string): Credential[] {
  const list: unknown[] =
    typeof raw === "string"
      ? raw.split(",").filter((s) => s.trim()).map((s) => {
          const [accessKeyId, secretAccessKey, accountId] = s.trim().split(":");
          return { access_key: accessKeyId, secret_key: secretAccessKey, account_id: accountId };
        })
      : Array.isArray(raw) ? raw : [raw];
  return list.map((item, i) => {
    const o = item as Record<string, unknown>;
    const where = `${from}[${i}]`;
    if (typeof o?.access_key !== "string" || !o.access_key) throw new ConfigError(`${where}: access_key is required`);
    if (typeof o.secret_key !== "string" || !o.secret_key) throw new ConfigError(`${where}: secret_key is required`);
    if (typeof o.account_id !== "string" || !/^\d{12}$/.test(o.account_id))
      throw new ConfigError(`${where}: account_id must be 12 digits`);
    return { accessKeyId: o.access_key, secretAccessKey: o.secret_key, accountId: o.account_id };
  });
}

function blank(): Config {
  return { storage: {}, rolloff: {}, logs: {}, collector: {}, iam: {} } as Config;
}

function lookup(table: Record<string, unknown> | undefined, path: string): unknown {
  let cur: unknown = table;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The platform's config file, where `spx admin init` writes it. */
export const SPINIFEX_CONFIG = "/etc/spinifex/spinifex.toml";

/**
 * Which file to read: `file`, else $HIVE_CONFIG, else $SPINIFEX_CONFIG_PATH
 * (what the platform's systemd units set), else ./hive.toml, else the
 * platform's /etc/spinifex/spinifex.toml, when present.
 */
function configPath(env: NodeJS.ProcessEnv, file?: string): string | undefined {
  const named = file ?? (env.HIVE_CONFIG || undefined) ?? (env.SPINIFEX_CONFIG_PATH || undefined);
  if (named) return named;
  if (existsSync("hive.toml")) return "hive.toml";
  return existsSync(SPINIFEX_CONFIG) ? SPINIFEX_CONFIG : undefined;
}

/**
 * A spinifex.toml names this node (`node = "..."`), its NATS server under
 * `[nodes.<node>.nats]` (host, cacert, acl.token) and its Predastore under
 * `[nodes.<node>.predastore]` (host, region, accesskey, secretkey): the
 * defaults for those keys, so a platform node needs no second copy of them.
 */
function platformDefaults(doc: Record<string, unknown>): Record<string, string> {
  const node = typeof doc.node === "string" ? doc.node : undefined;
  if (!node) return {};
  const out: Record<string, string> = {};
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  // The platform binds wildcards and dials them on loopback (admin.DialTarget).
  const dial = (host: string) => host.replace(/^0\.0\.0\.0:/, "127.0.0.1:");
  const nats = lookup(doc, `nodes.${node}.nats`) as Record<string, unknown> | undefined;
  if (str(nats?.host)) {
    // The platform's nats.conf always has a tls block: its clients dial tls://.
    out.nats_url = `tls://${dial(nats!.host as string)}`;
    if (str(lookup(nats, "acl.token"))) out.nats_token = lookup(nats, "acl.token") as string;
    if (str(nats!.cacert)) out.nats_ca_file = nats!.cacert as string;
  }
  const s3 = lookup(doc, `nodes.${node}.predastore`) as Record<string, unknown> | undefined;
  if (str(s3?.host)) {
    out["storage.endpoint"] = `https://${dial(s3!.host as string)}`;
    if (str(s3!.region)) out["storage.region"] = s3!.region as string;
    if (str(s3!.accesskey)) out["storage.access_key"] = s3!.accesskey as string;
    if (str(s3!.secretkey)) out["storage.secret_key"] = s3!.secretkey as string;
  }
  return out;
}

/**
 * Reads the config file (see configPath) and the environment. Throws
 * ConfigError naming the key that is wrong.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, file?: string): Config {
  const path = configPath(env, file);
  let section: Record<string, unknown> | undefined;
  let platform: Record<string, string> = {};
  if (path) {
    if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`);
    try {
      const doc = parseToml(readFileSync(path, "utf8")) as Record<string, unknown>;
      section = doc.cloudwatch as Record<string, unknown> | undefined;
      platform = platformDefaults(doc);
    } catch (e) {
      throw new ConfigError(`${path}: ${(e as Error).message}`);
    }
  }
  const config = blank();
  for (const key of KEYS) {
    const envValue = env[envName(key.path)];
    const fileValue = lookup(section, key.path);
    const platformValue = platform[key.path];
    const [raw, from] =
      envValue !== undefined && envValue !== ""
        ? [envValue, envName(key.path)]
        : fileValue !== undefined
          ? [fileValue, `${path} [cloudwatch] ${key.path}`]
          : platformValue !== undefined ? [platformValue, `${path} [nodes.<node>] ${key.path}`] : [key.default, key.path];
    const value = coerce(key, raw, from);
    const problem = key.check?.(value);
    if (problem) throw new ConfigError(`${from} ${problem}`);
    key.set(config, value);
  }
  if (config.local && !config.credentials.some((c) => c.accessKeyId === LOCAL_CREDENTIAL.accessKeyId)) {
    config.credentials = [LOCAL_CREDENTIAL, ...config.credentials];
  }
  if (!config.local && config.credentials.length === 0 && !config.iam.enabled) {
    throw new ConfigError(
      `no credentials configured: set [[cloudwatch.credentials]] in hive.toml, ${envName("credentials")}=KEY:SECRET:ACCOUNT, or [cloudwatch.iam] enabled = true (local mode has a default)`,
    );
  }
  return config;
}

let cached: Config | undefined;
/** The process's configuration, read once. */
export function getConfig(): Config {
  return (cached ??= loadConfig());
}
