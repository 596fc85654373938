/**
 * A read's fold of the unaggregated tail (TailCache) while writes flood the
 * process, against a real nats-server (no service, no aggregator, so the
 * tail stays as put): where GetMetricData's seconds under a 2x overload go.
 * The tail: `--requests` PutMetricData appends of 1000 datums (4 messages
 * each, one a partition), about what a 2x overload leaves past the
 * checkpoints. During each read `--flood` publishes of 30 KB stay in flight
 * on the same connection, as the writes' appends are, and, alternately, the
 * event loop is free ("idle") or held `--busy` ms at a time ("held", default
 * 40: the saturated API thread, whose delay the writes' limit keeps near
 * max_event_loop_delay, 50 ms).
 *
 *   npx tsx bench/tail-read.ts [--requests 120] [--flood 32] [--busy 40] [--rounds 8]
 */
import { loadavg } from "node:os";
import { startTestServers } from "../test/support/servers.js";
import { machine, numberArg, quantile } from "./common.js";

const REQUESTS = numberArg("requests", 120);
const FLOOD = numberArg("flood", 32);
const ROUNDS = numberArg("rounds", 8);
const BUSY = numberArg("busy", 40);
const ACCOUNT = "111122223333";

const servers = await startTestServers("tail-read", { s3: false });
const { getNats, closeNats } = await import("../lib/storage/nats.js");
const { publishIngest } = await import("../lib/metrics/write/ingest-log.js");
const { TailCache, TAIL_BYTES } = await import("../lib/metrics/read/tail-cache.js");

try {
  const now = Date.now();
  for (let r = 0; r < REQUESTS; r++) {
    const data = Array.from({ length: 1000 }, (_, i) => ({ m: `M${i % 50}`, d: [["Host", `h${i}`]] as [string, string][], t: now, u: "None", v: r + i }));
    await publishIngest({ account: ACCOUNT, namespace: "Bench/Tail", data });
  }
  const { jsm } = await getNats();
  await jsm.streams.add({ name: "FLOOD", subjects: ["flood.x"], max_bytes: 256 * 2 ** 20 });

  // The writes: FLOOD publishes in flight at all times until stopped; the loop held BUSY ms at a time when `held`.
  const flood = (held: boolean) => {
    let on = true;
    const payload = new Uint8Array(30 * 1024).fill(7);
    const loop = async () => {
      const { js } = await getNats();
      while (on) await js.publish("flood.x", payload);
    };
    const runs = Array.from({ length: FLOOD }, loop);
    const hold = held && BUSY > 0 ? setInterval(() => {
      for (const until = performance.now() + BUSY; performance.now() < until; );
    }, 1) : undefined;
    return async () => {
      clearInterval(hold);
      on = false;
      await Promise.all(runs);
    };
  };

  console.log(`${machine()}; load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  console.log(`tail: ${REQUESTS} requests of 1000 datums; ${FLOOD} publishes of 30 KB in flight during each read; "held": the loop held ${BUSY} ms at a time`);
  const times: Record<string, number[]> = { idle: [], held: [] };
  const cpu: Record<string, number[]> = { idle: [], held: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const way of (r % 2 ? ["held", "idle"] : ["idle", "held"]) as ("idle" | "held")[]) {
      const stop = flood(way === "held");
      await new Promise((res) => setTimeout(res, 200)); // the flood under way
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const datums = (await new TailCache(ACCOUNT).all()).reduce((n, m) => n + m.message.data.length, 0);
      times[way].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[way].push((c.user + c.system) / 1000);
      await stop();
      if (REQUESTS * 6200 <= TAIL_BYTES && datums !== REQUESTS * 1000) throw new Error(`${way}: folded ${datums} datums of ${REQUESTS * 1000}`);
    }
  }
  for (const [way, t] of Object.entries(times)) {
    const s = [...t].sort((a, b) => a - b);
    const c = [...cpu[way]].sort((a, b) => a - b);
    console.log(`${way}: p50 ${quantile(s, 0.5).toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms (${t.map((x) => x.toFixed(0)).join(" ")}); this process's CPU p50 (the flood's and the hold's too) ${quantile(c, 0.5).toFixed(0)} ms`);
  }
  console.log(`load after: ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
} finally {
  await closeNats();
  await servers.stop();
}
