/**
 * Log compaction that crashes half-way, and two processes compacting at
 * once, lose and duplicate nothing (issue 13: "SIGKILL mid-compaction loses
 * and duplicates nothing ... several compactors can run").
 *
 * "Half-way" is proven, not slept into: the service reaches S3 through a
 * gate (test/support/s3-gate.ts) that lets a few chunk PUTs through and
 * holds the rest unanswered. The kill comes once some streams' chunks are
 * committed (their states in KV say so) and at least one PUT is held (a
 * chunk is written before it is committed, so that stream is not).
 *
 * Two service processes on one nats-server and one S3 (a second host, as
 * Stack.addService runs it) compact one buffer: at once, where no chunk of
 * the same events may be PUT twice; and one taking over the partitions of
 * another stuck half-way, whose late commits must lose and whose chunks
 * must go.
 *
 * Exactly once is checked three ways: GetLogEvents per stream, FilterLogEvents
 * over the group (interleaved, paged with nextToken), and the committed chunks
 * themselves (index in KV, objects in S3, decoded here).
 *
 * A process killed holding compactor leases keeps them for their 60 s; the
 * process that comes after it runs under libfaketime a few minutes ahead
 * (as logs-retention.test.ts moves the clock), which is that time passing.
 */
import { CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, PutLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { GetObjectCommand, ListObjectsCommand, S3Client } from "@aws-sdk/client-s3";
import { existsSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { connect, type KV, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChunkEntry, StreamChunkState } from "../../lib/logs/events/chunk-index.js";
import { readStreamMessages } from "../support/log-stream-read.js";
import { retrying as retryUntil } from "../support/retrying.js";
import { startS3Gate, type S3Gate } from "../support/s3-gate.js";
import { logsClient, startStack, type ExtraService, type Stack } from "../support/stack.js";

const ACCOUNT = "000000000000";


const BUCKET = "cloudwatch-logs";
const RUN = `/crash/${Date.now().toString(36)}`;
const LIBFAKETIME =
  readdirSync("/usr/lib")
    .map((dir) => `/usr/lib/${dir}/faketime/libfaketimeMT.so.1`)
    .find((path) => existsSync(path)) ?? "/usr/lib/<multiarch>/faketime/libfaketimeMT.so.1";
/** Nothing is due by itself (buffer_size 10,000, flush_interval an hour): only a forced Drain compacts. */
const QUIET = { HIVE_CLOUDWATCH_LOGS_FLUSH_INTERVAL: "1h" };
/** A clock `s` seconds ahead: every lease a dead process held (60 s) has lapsed for it. */
const ahead = (s: number) => ({ LD_PRELOAD: LIBFAKETIME, FAKETIME: `+${s}s`, FAKETIME_DONT_FAKE_MONOTONIC: "1", FAKETIME_NO_CACHE: "1" });

let stack: Stack;
/** The S3 gates of the stack's service and of a second service process. */
let gate: S3Gate;
let gateB: S3Gate;
let s3: S3Client;
/** The test's own NATS connection (it reconnects after nats-server restarts) and the chunk index bucket. */
let nc: NatsConnection;
let chunkIndex: KV;

/** The stack's service, through `gate`, with `env` for this run. */
async function startService(env: Record<string, string> = {}): Promise<void> {
  await stack.startService({ HIVE_CLOUDWATCH_STORAGE_ENDPOINT: gate.url, ...QUIET, ...env });
}

/** A second service process on the same nats-server and S3 (a second host), through `gateB`. */
function addService(env: Record<string, string> = {}): Promise<ExtraService> {
  return stack.addService({ HIVE_CLOUDWATCH_STORAGE_ENDPOINT: gateB.url, ...QUIET, ...env });
}

beforeAll(async () => {
  stack = await startStack();
  [gate, gateB] = await Promise.all([startS3Gate(stack.s3Endpoint), startS3Gate(stack.s3Endpoint)]);
  s3 = new S3Client({ endpoint: stack.s3Endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  await stack.stopService();
  await startService();
  nc = await connect({ servers: stack.natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  chunkIndex = await nc.jetstream().views.kv("cw-log-chunks");
}, 180_000);
afterAll(async () => {
  s3?.destroy();
  await nc?.close();
  await stack?.stop();
  await Promise.all([gate?.stop(), gateB?.stop()]);
});

/** A restarted service or nats-server may refuse a call or two while it reconnects. */
const retrying = <T>(f: () => Promise<T>) => retryUntil(f, { timeoutMs: 60_000, pauseMs: 300 });

/** Fires a Drain (one forced pass) at `endpoint` and returns its answer, or the failure when the process died under it. */
function drain(endpoint: string): Promise<{ ok: boolean; body: unknown }> {
  return fetch(`${endpoint}/_hive/schedule/LogCompactor?event=Drain`, { method: "POST" }).then(
    async (r) => ({ ok: r.ok, body: await r.json().catch(() => undefined) }),
    (e: Error) => ({ ok: false, body: e.message }),
  );
}

/** A call retried while the service answers ThrottlingException (it sheds load on a busy machine; a refused batch is not stored). */
async function throttled<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if ((e as Error).name !== "ThrottlingException" || attempt >= 50) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

type Sent = Map<string, { timestamp: number; message: string }[]>;

/**
 * `streams` streams of `events` acknowledged events each, in batches of 250;
 * stream i's events share their timestamps with the other streams' (FilterLogEvents interleaves them).
 * `clients[k]` writes the batches k, k + clients.length, ... (two processes writing one stream).
 */
async function writeAcknowledged(clients: CloudWatchLogsClient[], group: string, streams: number, events: number): Promise<Sent> {
  await clients[0].send(new CreateLogGroupCommand({ logGroupName: group }));
  const t0 = Date.now() - 10 * 60_000;
  const sent: Sent = new Map();
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const stream = `s${String(s).padStart(2, "0")}`;
      await throttled(() => clients[0].send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })));
      const all = Array.from({ length: events }, (_, i) => ({ timestamp: t0 + i, message: `${stream} event ${i} ${"x".repeat(60)}` }));
      sent.set(stream, all);
      for (let b = 0; b * 250 < events; b++) {
        const logEvents = all.slice(b * 250, (b + 1) * 250);
        await throttled(() => clients[b % clients.length].send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents })));
      }
    }),
  );
  return sent;
}

/** The group's stream states in KV (cw-log-chunks), read with a connection of the test's own. */
async function streamStates(group: string): Promise<{ key: string; state: StreamChunkState }[]> {
  const out: { key: string; state: StreamChunkState }[] = [];
  // The keys first: a get inside the keys' iteration ends it early.
  const keys: string[] = [];
  for await (const key of await chunkIndex.keys(`${ACCOUNT}.*.*`)) keys.push(key);
  for (const key of keys) {
    const e = await chunkIndex.get(key);
    if (!e || e.operation !== "PUT") continue;
    const state = e.json<StreamChunkState>();
    if (state.logGroup === group) out.push({ key, state });
  }
  return out;
}

/** Streams of `group` with a committed chunk. */
async function committedStreams(group: string): Promise<number> {
  return (await streamStates(group)).filter((s) => s.state.committed.length > 0).length;
}

/** Until `ready()`: polled every 50 ms (a condition, not a guess at how long something takes). */
async function until(what: string, ready: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The events of a chunk object (docs/formats/log-chunk.md, text version 2): the version line, then per block
 * `#events {count}`, a header line per event (deltas, the message's byte length last), an empty line, the messages.
 */
function decodeChunkText(body: Buffer): { timestamp: number; message: string }[] {
  const text = gunzipSync(body);
  const out: { timestamp: number; message: string }[] = [];
  let at = text.indexOf(10) + 1;
  expect(text.subarray(0, at).toString()).toBe("#hive-cloudwatch-logs-chunk 2\n");
  while (at < text.length) {
    const eol = text.indexOf(10, at);
    const [marker, count] = text.subarray(at, eol).toString().split(" ");
    expect(marker).toBe("#events");
    const blank = text.indexOf("\n\n", eol);
    const headers = text.subarray(eol + 1, blank).toString().split("\n");
    expect(headers).toHaveLength(Number(count));
    let timestamp = 0;
    at = blank + 2;
    for (const line of headers) {
      const fields = line.split(" ").map(Number);
      timestamp += fields[0];
      const bytes = fields[fields.length - 1];
      out.push({ timestamp, message: text.subarray(at, at + bytes).toString("utf8") });
      at += bytes + 1;
    }
  }
  return out;
}

async function getObject(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** The S3 keys of the group's chunk objects, as the store lists them. */
async function objectsOf(group: string): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const out = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Prefix: `${ACCOUNT}/${encodeURIComponent(group)}/`, Marker: marker }));
    keys.push(...(out.Contents ?? []).map((o) => o.Key!));
    if (!out.IsTruncated) return keys;
    marker = keys[keys.length - 1];
  }
}

/**
 * Every event sent is in exactly one committed chunk of its stream (the
 * chunks the states commit, their entries' keys read back from S3), and
 * the states count them. Returns the committed objects' keys.
 */
async function expectCommittedOnce(group: string, sent: Sent): Promise<Set<string>> {
  const states = await streamStates(group);
  expect(states.map((s) => s.state.logStream).sort()).toEqual([...sent.keys()].sort());
  const keys = new Set<string>();
  for (const { key, state } of states) {
    const events: { timestamp: number; message: string }[] = [];
    for (const [a, b] of state.committed)
      for (let n = a; n <= b; n++) {
        const entry = (await chunkIndex.get(`${key}.${n}`))!.json<ChunkEntry>();
        keys.add(entry.key);
        const decoded = decodeChunkText(await getObject(entry.key));
        expect(decoded.length).toBe(entry.count);
        events.push(...decoded);
      }
    events.sort((x, y) => x.timestamp - y.timestamp);
    expect(events, state.logStream).toEqual(sent.get(state.logStream));
    expect(state.events).toBe(sent.get(state.logStream)!.length);
  }
  return keys;
}

/** GetLogEvents of each stream, then FilterLogEvents over the group, interleaved and paged: every event once, in order. */
async function expectReadOnce(endpoint: string, group: string, sent: Sent): Promise<void> {
  const client = logsClient({ ...stack, endpoint });
  try {
    for (const [stream, events] of sent) expect(await readStreamMessages(client, group, stream, retrying), stream).toEqual(events.map((e) => e.message));
    const seen: { timestamp: number; message: string; stream: string }[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await retrying(() => client.send(new FilterLogEventsCommand({ logGroupName: group, interleaved: true, limit: 997, nextToken: token })));
      seen.push(...page.events!.map((e) => ({ timestamp: e.timestamp!, message: e.message!, stream: e.logStreamName! })));
      token = page.nextToken;
      pages++;
    } while (token);
    const all = [...sent.values()].flat();
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(all.length / 997));
    // Across streams by timestamp, then stream name (FilterLogEvents' order); each event once.
    const expected = [...sent].flatMap(([stream, events]) => events.map((e) => ({ ...e, stream })));
    expected.sort((x, y) => x.timestamp - y.timestamp || (x.stream < y.stream ? -1 : x.stream > y.stream ? 1 : 0));
    expect(seen.length).toBe(expected.length);
    expect(seen).toEqual(expected);
  } finally {
    client.destroy();
  }
}

/** Per chunk PUT of `group` that S3 answered (through either gate): its key and events. */
function chunkPuts(group: string): { key: string; events: { timestamp: number; message: string }[] }[] {
  const prefix = `${ACCOUNT}/${encodeURIComponent(group)}/`;
  return [...gate.puts, ...gateB.puts].filter((p) => p.key.startsWith(prefix)).map((p) => ({ key: p.key, events: decodeChunkText(p.body) }));
}

/** Each event of `sent` in exactly one of `chunks` (which may hold nothing else). */
function expectEachOnce(chunks: { events: { timestamp: number; message: string }[] }[], sent: Sent): void {
  const count = new Map<string, number>();
  for (const c of chunks) for (const e of c.events) count.set(e.message, (count.get(e.message) ?? 0) + 1);
  const all = [...sent.values()].flat().map((e) => e.message);
  expect([...count.keys()].sort()).toEqual(all.sort());
  expect([...count].filter(([, n]) => n !== 1)).toEqual([]);
}

/** Fires Drains until one answers OK (a restarted nats-server or service may fail the first). */
async function drained(endpoint: string): Promise<unknown> {
  return retrying(async () => {
    const r = await drain(endpoint);
    if (!r.ok) throw new Error(`Drain: ${JSON.stringify(r.body)}`);
    return r.body;
  });
}

/**
 * Closes `through` after `pass` chunk PUTs, fires a Drain at `endpoint`, and waits until compaction is provably
 * half-way. Returns the Drain's answer to come, in an object: an async function returning the promise would wait for it.
 */
async function halfWay(endpoint: string, through: S3Gate, group: string, streams: number, pass: number): Promise<{ run: Promise<{ ok: boolean; body: unknown }> }> {
  through.close(pass);
  const run = drain(endpoint);
  await until("some streams are committed and a chunk PUT is held", async () => through.held() >= 1 && (await committedStreams(group)) >= 1);
  const committed = await committedStreams(group);
  expect(committed).toBeGreaterThanOrEqual(1);
  expect(committed).toBeLessThan(streams);
  return { run };
}

describe("compaction killed half-way", () => {
  it("a SIGKILL of nats-server while chunks are being written, then the held chunks go on and a Drain compacts the rest", async () => {
    const client = logsClient(stack);
    const group = `${RUN}/nats-kill`;
    const sent = await writeAcknowledged([client], group, 8, 500);
    client.destroy();
    const { run } = await halfWay(stack.endpoint, gate, group, 8, 2);
    const before = await committedStreams(group);
    await stack.restartNats({ signal: "SIGKILL" });
    // Nothing committed while nats-server was down, and nothing was lost by it.
    expect(await retrying(() => committedStreams(group))).toBe(before);
    gate.open();
    await run;
    await drained(stack.endpoint);
    await expectReadOnce(stack.endpoint, group, sent);
    await expectCommittedOnce(group, sent);
  }, 180_000);
});

describe("two service processes compacting one buffer", () => {
  it("both writing the same streams and draining at once: every event in exactly one chunk PUT, read once through either", async () => {
    const b = await addService();
    const clients = [logsClient(stack), logsClient({ ...stack, endpoint: b.endpoint })];
    const group = `${RUN}/two`;
    try {
      const sent = await writeAcknowledged(clients, group, 8, 500);
      // Two rounds of Drains fired at both at once; the leases share the partitions out.
      for (let round = 0; round < 2; round++) {
        const [ra, rb] = await Promise.all([drain(stack.endpoint), drain(b.endpoint)]);
        expect([ra.ok, rb.ok]).toEqual([true, true]);
      }
      await Promise.all([drained(stack.endpoint), drained(b.endpoint)]);
      const committed = await expectCommittedOnce(group, sent);
      // No chunk of these events was written twice: not even one that lost a race and was deleted.
      const puts = chunkPuts(group);
      expectEachOnce(puts, sent);
      expect(puts.map((p) => p.key).sort()).toEqual([...committed].sort());
      expect((await objectsOf(group)).sort()).toEqual([...committed].sort());
      await expectReadOnce(stack.endpoint, group, sent);
      await expectReadOnce(b.endpoint, group, sent);
    } finally {
      clients.forEach((c) => c.destroy());
      await b.stop();
    }
  }, 300_000);
});

describe("compaction killed half-way together with nats-server", () => {
  it("a SIGKILL of the service and of nats-server at once while chunks are being written, then a Drain once the leases lapsed", async () => {
    const client = logsClient(stack);
    const group = `${RUN}/both-kill`;
    const sent = await writeAcknowledged([client], group, 8, 500);
    client.destroy();
    const { run } = await halfWay(stack.endpoint, gate, group, 8, 3);
    const before = await committedStreams(group);
    await Promise.all([stack.stopService("SIGKILL"), stack.restartNats({ signal: "SIGKILL" })]);
    // The Drain died under its request: it could not have ended with a chunk unwritten.
    expect((await run).ok).toBe(false);
    // The held PUTs' sender is dead: they never reach S3. Its chunk entries stay, uncommitted.
    gate.open();
    expect(await retrying(() => committedStreams(group))).toBe(before);
    await startService(ahead(300));
    await expectReadOnce(stack.endpoint, group, sent);
    await drained(stack.endpoint);
    await expectReadOnce(stack.endpoint, group, sent);
    const committed = await expectCommittedOnce(group, sent);
    // What the dead attempt left in S3 is not committed, and no committed object was written twice.
    const written = gate.puts.filter((p) => p.key.startsWith(`${ACCOUNT}/${encodeURIComponent(group)}/`)).map((p) => p.key);
    expect(new Set(written).size).toBe(written.length);
    for (const key of committed) expect(written).toContain(key);
  }, 180_000);
});

describe("two service processes, one stuck", () => {
  it("one stuck half-way through writing chunks, the other taking its partitions once its leases lapsed: the stuck one's commits lose and it deletes what it wrote", async () => {
    const client = logsClient(stack);
    const group = `${RUN}/takeover`;
    const sent = await writeAcknowledged([client], group, 8, 500);
    client.destroy();
    const { run: stuck } = await halfWay(stack.endpoint, gate, group, 8, 2);
    // A second process whose clock is past the stuck one's leases (60 s; the stack's service runs 300 s ahead since the test before) takes the partitions and compacts the rest.
    const b = await addService(ahead(400));
    try {
      await drained(b.endpoint);
      const committed = await expectCommittedOnce(group, sent);
      // The stuck process's held chunks now reach S3; their commits find the states moved and they are deleted.
      const heldBefore = gate.held();
      expect(heldBefore).toBeGreaterThanOrEqual(1);
      gate.open();
      await stuck;
      const prefix = `${ACCOUNT}/${encodeURIComponent(group)}/`;
      const lost = gate.puts.filter((p) => p.key.startsWith(prefix) && !committed.has(p.key)).map((p) => p.key);
      expect(lost.length).toBeGreaterThanOrEqual(heldBefore);
      await until("the stuck process deleted the chunks it lost", () => lost.every((k) => gate.deletes.includes(k)));
      expect(gate.deletes.filter((k) => k.startsWith(prefix)).sort()).toEqual(lost.sort());
      expect(await expectCommittedOnce(group, sent)).toEqual(committed);
      // What is stored: each event once, in committed chunks only.
      const stored = await objectsOf(group);
      expect(stored.sort()).toEqual([...committed].sort());
      expectEachOnce(await Promise.all(stored.map(async (key) => ({ events: decodeChunkText(await getObject(key)) }))), sent);
      await expectReadOnce(stack.endpoint, group, sent);
      await expectReadOnce(b.endpoint, group, sent);
    } finally {
      await b.stop();
    }
  }, 300_000);
});
