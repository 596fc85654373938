/**
 * The chunk bucket's holes in nats-server: two nats-servers side by side
 * (same machine, same moment, same load), each given the soak's chunk writes
 * at ten times the pace; B's bucket is repacked (lib/storage/kv-repack.ts)
 * every 10 rounds, as roll-off does every 5 minutes, A's is not.
 *
 * A round is 30 s of the soak: every steady series' hourly chunk rewritten
 * (a size growing by 300 B a minute of its hour, 18 KB at its end), 25 new
 * pod series written twice then left, eight reads of 20 series (this and the
 * last hour), as GetMetricData and GetMetricStatistics read. 120 rounds make
 * an hour; an hour is sealed (its chunks purged, each series' sealed chunk
 * rewritten) two hours after it began, as roll-off seals. Prints, every 10
 * rounds, each server's RSS and Go heap (/varz), the bucket's blocks and
 * bytes on disk against its live bytes, and what the repack moved.
 *
 *   npx tsx bench/kv-holes.ts [--rounds 240] [--every 3] [--series 1000]
 */
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type KV, type NatsConnection } from "nats";
import { startNatsServer, type RunningServer } from "../local/processes.js";
import { machine, numberArg, rssMb } from "./common.js";

const ROUNDS = numberArg("rounds", 240);
const EVERY_MS = numberArg("every", 3) * 1000;
const SERIES = numberArg("series", 1000);
const PODS_PER_ROUND = 25;
const ROUNDS_PER_HOUR = 120;
const BUCKET = "cw-metric-chunks";

const dir = mkdtempSync(join(tmpdir(), "bench-kv-holes-"));
interface Side {
  name: string;
  server: RunningServer;
  storeDir: string;
  nc: NatsConnection;
  kv: KV;
  moved: number;
  markers: number;
}

async function side(name: string): Promise<Side> {
  const storeDir = join(dir, name);
  const server = await startNatsServer({ storeDir, monitor: true });
  const nc = await connect({ servers: server.url });
  const kv = await nc.jetstream().views.kv(BUCKET, { history: 1 });
  return { name, server, storeDir, nc, kv, moved: 0, markers: 0 };
}

const a = await side("A");
const b = await side("B");
// The repack runs through lib/, whose one connection is B's.
process.env.HIVE_CLOUDWATCH_NATS_URL = b.server.url;
process.env.HIVE_CLOUDWATCH_LOCAL = "true";
const { repackBucket } = await import("../lib/storage/kv-repack.js");
const { closeNats } = await import("../lib/storage/nats.js");

const payload = (size: number, salt: number) => {
  const v = new Uint8Array(size);
  for (let i = 0; i < size; i += 64) v[i] = (salt + i) & 255;
  return v;
};
const hourKey = (s: string, hour: number) => `a.m1.${hour}.${s}`;
const steady = Array.from({ length: SERIES }, (_, i) => `s${i}`);

async function pool<T>(items: T[], width: number, f: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await f(items[next++]);
  }));
}

/** One round of writes and reads on a side. */
async function round(s: Side, r: number): Promise<void> {
  const hour = Math.floor(r / ROUNDS_PER_HOUR);
  const minute = Math.floor((r % ROUNDS_PER_HOUR) / 2);
  await pool(steady, 64, (id) => s.kv.put(hourKey(id, hour), payload(200 + 300 * (minute + 1), r)));
  const pods = [r, r - 1].filter((p) => p >= 0).flatMap((p) => Array.from({ length: PODS_PER_ROUND }, (_, i) => `pod${p}-${i}`));
  await pool(pods, 32, (id) => s.kv.put(hourKey(id, Math.floor(r / ROUNDS_PER_HOUR)), payload(1000, r)));
  // Sealing: two hours after an hour began, its chunks go into each series' sealed chunk.
  if (r % ROUNDS_PER_HOUR === 0 && hour >= 2) {
    const sealed = hour - 2;
    const podIds = Array.from({ length: ROUNDS_PER_HOUR * PODS_PER_ROUND }, (_, i) => `pod${sealed * ROUNDS_PER_HOUR + Math.floor(i / PODS_PER_ROUND)}-${i % PODS_PER_ROUND}`);
    await pool(steady, 32, async (id) => {
      await s.kv.put(`a.m1s.${id}`, payload(Math.min(12, sealed + 1) * 4000, r));
      await s.kv.purge(hourKey(id, sealed));
    });
    await pool(podIds, 32, (id) => s.kv.purge(hourKey(id, sealed)));
  }
  for (let q = 0; q < 8; q++) {
    const ids = Array.from({ length: 20 }, () => steady[Math.floor(Math.random() * SERIES)]);
    await pool(ids, 20, async (id) => {
      await s.kv.get(hourKey(id, hour));
      if (hour > 0) await s.kv.get(hourKey(id, hour - 1));
    });
  }
}

async function figures(s: Side): Promise<string> {
  const varz = (await (await fetch(`${s.server.monitorUrl}/varz`)).json()) as { mem: number };
  const info = await (await s.nc.jetstreamManager()).streams.info(`KV_${BUCKET}`);
  const msgs = join(s.storeDir, "jetstream", "$G", "streams", `KV_${BUCKET}`, "msgs");
  const blks = readdirSync(msgs).filter((f) => f.endsWith(".blk"));
  const disk = blks.reduce((n, f) => n + statSync(join(msgs, f)).size, 0);
  const mib = (n: number) => (n / 2 ** 20).toFixed(0).padStart(4);
  return `${s.name}: rss ${mib(rssMb(s.server.process?.pid) * 2 ** 20)} (varz ${mib(varz.mem)})  blocks ${String(blks.length).padStart(3)}  disk ${mib(disk)} live ${mib(info.state.bytes)} MiB  span ${String(info.state.last_seq - info.state.first_seq + 1).padStart(6)} seqs / ${String(info.state.messages).padStart(5)} msgs${s.name === "B" ? `  repack moved ${s.moved}, markers ${s.markers}` : ""}`;
}

console.log(`${machine()}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`${ROUNDS} rounds every ${EVERY_MS / 1000} s (a round = 30 s of the soak), ${SERIES} series; A as is, B repacked every 10 rounds`);
try {
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = Date.now();
    await Promise.all([round(a, r), round(b, r)]);
    if (r % 10 === 9) {
      const rep = await repackBucket(BUCKET);
      b.moved += rep.moved;
      b.markers += rep.markers;
      console.log(`round ${r + 1} (soak minute ${((r + 1) / 2).toFixed(0)}), load ${loadavg()[0].toFixed(2)}`);
      console.log(`  ${await figures(a)}`);
      console.log(`  ${await figures(b)}`);
    }
    await new Promise((res) => setTimeout(res, Math.max(0, EVERY_MS - (Date.now() - t0))));
  }
} finally {
  await closeNats();
  for (const s of [a, b]) {
    await s.nc.close();
    await s.server.stop();
  }
}
