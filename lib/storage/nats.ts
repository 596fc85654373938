/**
 * The one NATS connection of a process, and the JetStream resources the service
 * needs, created idempotently the first time they are asked for.
 *
 * The connection lives on globalThis, not in module state: the local runtime
 * loads every function bundle into one process, and they should share it the
 * way one Lambda container reuses its connection between invocations.
 */
import { connect, type JetStreamClient, type JetStreamManager, type KV, type NatsConnection, type StoredMsg, type StreamConfig } from "nats";
import { getConfig } from "../config/config.js";
import "./nats-request-fix.js";
import "./nats-write-fix.js";

export interface Nats {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** KV buckets by purpose. History 1: they hold state, not logs. */
export const BUCKETS = {
  dashboards: "cw-dashboards",
  logChunks: "cw-log-chunks",
  logExports: "cw-log-exports",
  logGroups: "cw-log-groups",
  logsQueries: "cw-logs-queries",
  logsQueryDefinitions: "cw-logs-query-definitions",
  logsLookupTables: "cw-logs-lookup-tables",
  logFilters: "cw-log-filters",
  logDestinations: "cw-log-destinations",
  logStreams: "cw-log-streams",
  metricChunks: "cw-metric-chunks",
  metricSeries: "cw-metric-series",
  streamShards: "cw-stream-shards",
  alarms: "cw-alarms",
  alarmHistory: "cw-alarm-history",
  alarmLeases: "cw-alarm-leases",
  metricStreams: "cw-metric-streams",
  metricStreamCheckpoints: "cw-metric-stream-checkpoints",
  anomalyDetectors: "cw-anomaly-detectors",
  insightRules: "cw-insight-rules",
  anomalyModels: "cw-anomaly-models",
} as const;
export type BucketName = (typeof BUCKETS)[keyof typeof BUCKETS];

/**
 * Buckets whose entries expire: alarm history is kept two weeks, as AWS keeps it; a trained anomaly
 * model a day (one no band has used for a day is trained again when next used).
 */
const BUCKET_TTL_MS: Partial<Record<BucketName, number>> = {
  [BUCKETS.alarmHistory]: 14 * 86_400_000,
  [BUCKETS.anomalyModels]: 86_400_000,
};

/** Caches bounded in bytes: a write past the bound fails and the cache is skipped, never the answer. */
const BUCKET_LIMITS: Partial<Record<BucketName, { max_bytes: number; maxValueSize: number }>> = {
  [BUCKETS.anomalyModels]: { max_bytes: 64 * 1024 * 1024, maxValueSize: 8 * 1024 },
};

interface Shared {
  nats?: Promise<Nats>;
  buckets: Map<string, Promise<KV>>;
}
const SHARED = Symbol.for("hive.cloudwatch.nats");
const shared = ((globalThis as any)[SHARED] ??= { buckets: new Map() }) as Shared;

/**
 * Auth and TLS as the platform's nats.conf sets them up: a token, and TLS
 * with the cluster CA (a `tls://` URL, or a CA file, asks for it).
 */
export function natsSecurity(url: string, token: string, caFile: string): { servers: string; token?: string; tls?: { caFile?: string } } {
  const tls = url.startsWith("tls://") || caFile !== "";
  return {
    servers: url.replace(/^tls:\/\//, "nats://"),
    ...(token ? { token } : {}),
    ...(tls ? { tls: caFile ? { caFile } : {} } : {}),
  };
}

export function getNats(url = getConfig().natsUrl): Promise<Nats> {
  if (!url) throw new Error("no NATS URL configured (HIVE_CLOUDWATCH_NATS_URL)");
  shared.nats ??= (async () => {
    const { natsToken, natsCaFile } = getConfig();
    const nc = await connect({
      ...natsSecurity(url, natsToken, natsCaFile),
      name: "hive-cloudwatch",
      maxReconnectAttempts: -1, // survive a nats-server restart
      reconnectTimeWait: 250,
      // Otherwise every request (each KV get and put) builds two Errors with
      // stack traces up front, in case it times out: a fifth of the
      // aggregator's time in profiles.
      noAsyncTraces: true,
    });
    return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager() };
  })().catch((e) => {
    shared.nats = undefined;
    throw e;
  });
  return shared.nats;
}

/** Opens (creating when missing) a KV bucket. */
export function getBucket(name: BucketName): Promise<KV> {
  let kv = shared.buckets.get(name);
  if (!kv) {
    kv = getNats()
      .then(({ js }) => js.views.kv(name, { history: 1, ...(BUCKET_TTL_MS[name] ? { ttl: BUCKET_TTL_MS[name] } : {}), ...BUCKET_LIMITS[name] }))
      .catch((e) => {
        shared.buckets.delete(name);
        throw e;
      });
    shared.buckets.set(name, kv);
  }
  return kv;
}

const streams = new Map<string, Promise<void>>();

/**
 * Creates the stream unless it exists (an existing one keeps its
 * configuration). Once per process and stream; a failed attempt is tried
 * again on the next call.
 */
export function ensureStream(config: Partial<StreamConfig> & { name: string }): Promise<void> {
  let ensured = streams.get(config.name);
  if (!ensured) {
    ensured = (async () => {
      const { jsm } = await getNats();
      try {
        await jsm.streams.info(config.name);
      } catch {
        await jsm.streams.add(config);
      }
    })().catch((e) => {
      streams.delete(config.name);
      throw e;
    });
    streams.set(config.name, ensured);
  }
  return ensured;
}

/** A direct get's answer for no such message (nats.js rejects it as an error with code 404). */
const notFound = (e: unknown) => (e as { code?: string }).code === "404";

type DirectQuery = { seq: number; next_by_subj: string } | { last_by_subj: string };

/**
 * A stream message by direct get (the stream needs `allow_direct`): any
 * server holding the stream answers, with no JS API round trip. Undefined
 * when there is no such message.
 */
export async function directGet(jsm: JetStreamManager, stream: string, query: DirectQuery): Promise<StoredMsg | undefined> {
  // The implementation has `direct`; the JetStreamManager interface of nats.js 2.x does not declare it.
  const direct = (jsm as unknown as { direct: { getMessage(stream: string, q: DirectQuery): Promise<StoredMsg> } }).direct;
  try {
    return await direct.getMessage(stream, query);
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
}

/**
 * The first message on `subject` (may hold wildcards) at or after `seq`,
 * through the JS API (streams without `allow_direct` too). Undefined when
 * there is none.
 */
export async function nextMessage(jsm: JetStreamManager, stream: string, seq: number, subject: string): Promise<StoredMsg | undefined> {
  // nats.js 2.x types the query without next_by_subj, which the server takes.
  try {
    return await jsm.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as { seq: number });
  } catch (e) {
    if (notFound(e)) return undefined;
    throw e;
  }
}

/**
 * Purges the whole stream below the oldest message some reader still needs:
 * for each `{ subject, from }`, the first message on `subject` at or after
 * `from`. Stream-wide, not filtered by subject: nats-server 2.9 leaves a
 * filtered purge out of the account's storage total, which then grows until
 * JetStream's max_file_store refuses every write. The stream's last sequence
 * is read first, so a message appended meanwhile is above every bound. The
 * stream's last message always stays: a stream left empty forgets its
 * sequence when nats-server is killed within seconds (it comes back at 0 and
 * numbers new messages from 1 again, under every mark and checkpoint kept
 * against the old numbers). Returns how many went
 * (test/store/storage-nats-purge.test.ts shows both).
 */
export async function purgeBelowNeeded(jsm: JetStreamManager, stream: string, needed: { subject: string; from: number }[]): Promise<number> {
  let below = (await jsm.streams.info(stream)).state.last_seq;
  for (const { subject, from } of needed) {
    if (below <= 1) return 0;
    if (from >= below) continue;
    const next = await firstMessageFrom(jsm, stream, Math.max(1, from), subject);
    if (next) below = Math.min(below, next.seq);
  }
  // A purge request with sequence 1 means "everything" to nats-server 2.9.
  if (below <= 1) return 0;
  return (await jsm.streams.purge(stream, { seq: below })).purged;
}

/** Whether a stream answers direct gets, by stream (asked once a process). */
const directStreams = new Map<string, Promise<boolean>>();

/**
 * The first message on `subject` at or after `seq`: by direct get when the
 * stream allows it (the message as stored), else through the JS API (its
 * answer carries the message as base64 in JSON: for a 200 KB log batch that
 * was most of what the stream trigger's look for the next batch cost).
 */
export async function firstMessageFrom(jsm: JetStreamManager, stream: string, seq: number, subject: string): Promise<StoredMsg | undefined> {
  let direct = directStreams.get(stream);
  if (!direct) {
    direct = jsm.streams.info(stream).then((info) => info.config.allow_direct === true);
    direct.catch(() => directStreams.delete(stream)); // asked again next time
    directStreams.set(stream, direct);
  }
  return (await direct) ? directGet(jsm, stream, { seq, next_by_subj: subject }) : nextMessage(jsm, stream, seq, subject);
}

/** Creates every bucket up front, so a fresh deployment is ready before the first request. */
export async function ensureNatsResources(): Promise<void> {
  await Promise.all(Object.values(BUCKETS).map(getBucket));
}

export async function closeNats(): Promise<void> {
  const n = shared.nats;
  shared.nats = undefined;
  shared.buckets.clear();
  if (n) await (await n).nc.drain().catch(() => undefined);
}
