/**
 * The directory of chunk windows: which chunk records were created in each
 * window (the span one chunk of a tier covers: an m1 chunk's hour, an m5
 * chunk's day), so roll-off reads only the windows that are due instead of
 * listing the whole chunk bucket. On nats-server 2.9 a listing of
 * cw-metric-chunks makes a consumer over the bucket's stream and loads every
 * file block of it (rewritten chunks leave their old revisions in them): a
 * spike of nats-server's memory every run, growing with the store.
 *
 * The directory is the stream CW_METRIC_WINDOWS, a subject per window,
 * `cloudwatch.metrics.windows.{tier}.{startSeconds}`. Each message (a
 * listing) names the chunks one writer was about to create in that window.
 * Writers list before they create, so a chunk never exists unlisted (a
 * listing without its chunk is harmless). Roll-off finds the windows in the
 * stream's subjects, reads a due window's listings by direct gets (no
 * consumer: nats-server 2.9.10 never frees one), and deletes them by sequence
 * once a run finds none of their chunks. Deleted by sequence, a listing
 * leaves no tombstone and leaves JetStream's storage total exact, where a KV
 * delete leaves a marker per key forever and nats-server 2.9 does not count a
 * purge by subject out of that total (docs/memory.md).
 * Subjects and keys: docs/formats/kv-keys.md; a listing: docs/formats/window-listing.md.
 */
import { RetentionPolicy, StorageType } from "nats";
import { decodeWindowListing, encodeWindowListing } from "../encoding/window-listing.js";
import { inPool } from "../../storage/in-pool.js";
import { getRecord, putRecord } from "../../storage/kv.js";
import { BUCKETS, directGet, ensureStream, getBucket, getNats } from "../../storage/nats.js";
import { TIERS, type TierName } from "./tiers.js";

export const WINDOWS_STREAM = "CW_METRIC_WINDOWS";
const PREFIX = "cloudwatch.metrics.windows.";

export interface ChunkWindow {
  tier: TierName;
  /** Epoch ms, a multiple of the tier's span. */
  start: number;
}

export const windowSubject = (w: ChunkWindow) => `${PREFIX}${w.tier}.${Math.floor(w.start / 1000)}`;

export const ensureWindowsStream = (): Promise<void> =>
  ensureStream({
    name: WINDOWS_STREAM,
    subjects: [`${PREFIX}*.*`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    // No limits: a listing leaves once roll-off finds none of its chunks (the directory is as big as the live chunks' keys).
    max_msg_size: 1024 * 1024,
    allow_direct: true,
  });

/** A chunk key `{account}.{seriesId}.{unit token}.{tier}.{startSeconds}` as its window and its head. */
function splitChunkKey(key: string): { window: ChunkWindow; head: string } | undefined {
  const last = key.lastIndexOf(".");
  const before = key.lastIndexOf(".", last - 1);
  if (before <= 0) return undefined;
  const tier = key.slice(before + 1, last);
  const seconds = key.slice(last + 1);
  if (!(tier in TIERS) || tier === "h1" || !/^\d+$/.test(seconds)) return undefined;
  return { window: { tier: tier as TierName, start: Number(seconds) * 1000 }, head: key.slice(0, before) };
}

/** Keys in one listing: at ≈ 40 bytes a key, far under nats-server's default max_payload (1 MB). */
const KEYS_PER_LISTING = 5000;

/** Publishes listings of `keys` (chunk keys; others are skipped) and resolves once the stream has stored them all. */
async function publishListings(keys: readonly string[]): Promise<void> {
  const bySubject = new Map<string, string[]>();
  for (const key of keys) {
    const split = splitChunkKey(key);
    if (!split) continue;
    const subject = windowSubject(split.window);
    const heads = bySubject.get(subject);
    if (heads) heads.push(split.head);
    else bySubject.set(subject, [split.head]);
  }
  if (bySubject.size === 0) return;
  await ensureWindowsStream();
  const { js } = await getNats();
  const acks: Promise<unknown>[] = [];
  for (const [subject, heads] of bySubject) {
    for (let i = 0; i < heads.length; i += KEYS_PER_LISTING) acks.push(js.publish(subject, encodeWindowListing(heads.slice(i, i + KEYS_PER_LISTING))));
  }
  await Promise.all(acks);
}

/**
 * Chunk keys this process listed, and when (epoch ms). A key listed less
 * than LISTED_FRESH_MS ago is not listed again (a retried compaction pass;
 * a rollup roll-off listed with its window's others): roll-off keeps every
 * listing at least 15 minutes (LISTING_SETTLE_MS in roll-off.ts), so it is
 * still there, with 10 minutes to spare for clocks that disagree.
 * ≈ 150 B an entry: 3 MiB at most.
 */
const LISTED = new Map<string, number>();
const LISTED_MAX = 20_000;
const LISTED_FRESH_MS = 5 * 60_000;

/**
 * Lists chunks about to be created (their keys), each in its window;
 * resolves once the stream has stored the listings. Writers call it before
 * they create chunks, so no chunk exists unlisted.
 */
export async function listNewChunks(keys: readonly string[], now = Date.now()): Promise<void> {
  const unlisted = keys.filter((key) => !(now - (LISTED.get(key) ?? -Infinity) < LISTED_FRESH_MS));
  if (unlisted.length === 0) return;
  await publishListings(unlisted);
  for (const key of unlisted) {
    if (LISTED.size >= LISTED_MAX) LISTED.clear();
    LISTED.set(key, now);
  }
}

/** Every window that has listings. */
export async function listWindows(): Promise<ChunkWindow[]> {
  await ensureWindowsStream();
  const { jsm } = await getNats();
  // The stream's subjects and their counts, from the blocks' subject summaries: no message is read.
  const { state } = await jsm.streams.info(WINDOWS_STREAM, { subjects_filter: `${PREFIX}>` });
  return Object.keys(state.subjects ?? {}).flatMap((subject) => {
    const [tier, seconds] = subject.slice(PREFIX.length).split(".");
    return tier in TIERS && /^\d+$/.test(seconds) ? [{ tier: tier as TierName, start: Number(seconds) * 1000 }] : [];
  });
}

export interface ListingPage {
  /** Chunk keys, each once. */
  keys: string[];
  /** The listings that named them: stream sequence, and when the stream stored it (epoch ms, nats-server's clock). */
  listings: Array<{ seq: number; at: number }>;
}

/** Chunk keys in one page: ≈ 100 B each held, 5 MiB. */
const PAGE_KEYS = 50_000;

/** A window's listings in stream order, a page of about PAGE_KEYS chunk keys at a time. */
export async function* windowPages(w: ChunkWindow): AsyncGenerator<ListingPage> {
  await ensureWindowsStream();
  const { jsm } = await getNats();
  const subject = windowSubject(w);
  const tail = `.${w.tier}.${Math.floor(w.start / 1000)}`;
  let page: ListingPage = { keys: [], listings: [] };
  let seen = new Set<string>();
  // A direct get of the subject's next message finds it through the blocks' subject summaries; a consumer would stay in nats-server.
  for (let seq = 1; ; ) {
    const m = await directGet(jsm, WINDOWS_STREAM, { seq, next_by_subj: subject });
    if (!m) break;
    for (const head of decodeWindowListing(m.data)) seen.add(head + tail);
    page.listings.push({ seq: m.seq, at: m.time.getTime() });
    seq = m.seq + 1;
    if (seen.size >= PAGE_KEYS) {
      page.keys = [...seen];
      yield page;
      page = { keys: [], listings: [] };
      seen = new Set();
    }
  }
  if (page.listings.length > 0) {
    page.keys = [...seen];
    yield page;
  }
}

/** Deletes listings by sequence; one another roll-off deleted first is skipped. */
export async function deleteListings(seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  const { jsm } = await getNats();
  await inPool(
    seqs,
    async (seq) => {
      try {
        // Not erased: the bytes are not overwritten, which only costs a write.
        await jsm.streams.deleteMessage(WINDOWS_STREAM, seq, false);
      } catch (e) {
        if (!isGone(e)) throw e;
      }
    },
    16,
  );
}

/** nats-server's answers to a delete of a sequence not (or no longer) in the stream. */
function isGone(e: unknown): boolean {
  const api = (e as { api_error?: { err_code?: number; description?: string } }).api_error;
  return api?.err_code === 10043 || (api?.err_code === 10057 && /no message found/i.test(api.description ?? ""));
}

/** Chunk bucket key: the chunks written before the directory existed have been listed. Not an account's key (accounts are digits). */
export const LISTED_KEY = "windows.listed";
/** Keys held at once by the listing of a store written before the directory. */
const MIGRATION_BATCH = 10_000;

/**
 * Lists every chunk of a store written before the directory existed, once
 * a store: one scan of the chunk bucket, recorded as done in it. Two
 * processes doing it at once list some chunks twice, which is harmless.
 * The number of chunks listed (0 when it was done before).
 */
export async function listChunksWrittenBefore(): Promise<number> {
  const kv = await getBucket(BUCKETS.metricChunks);
  if (await getRecord(kv, LISTED_KEY)) return 0;
  let listed = 0;
  let batch: string[] = [];
  for await (const key of await kv.keys()) {
    if (!splitChunkKey(key)) continue;
    batch.push(key);
    if (batch.length === MIGRATION_BATCH) {
      await publishListings(batch);
      listed += batch.length;
      batch = [];
    }
  }
  await publishListings(batch);
  listed += batch.length;
  await putRecord(kv, LISTED_KEY, { at: Date.now(), chunks: listed });
  return listed;
}
