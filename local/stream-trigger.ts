/**
 * Stream triggers: what a Lambda event source mapping does for a Kinesis
 * stream, over JetStream. A function's `Kinesis` event names a stream; its
 * shards are declared in lib/storage/stream-shards.ts. Per shard: hold the lease,
 * read a batch in order from the checkpoint, invoke the function with
 * Kinesis-shaped records, advance the checkpoint on success; on failure read
 * the same batch again. Several runtimes may run: one holds each shard, and
 * they even out how many each holds (balanceLeases), as Kinesis consumers do.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { invokeFunction } from "../lib/runtime/invoke.js";
import { withRawBytes } from "../lib/runtime/raw-bytes.js";
import { acquireLease, balanceLeases, commitLease, listShards, readShard, releaseLease, shardsDeclared, type Lease, type ShardMessage, type ShardRecord } from "../lib/storage/stream-shards.js";
import type { TemplateFunction } from "./template.js";

export interface StreamTarget {
  logicalId: string;
  stream: string;
  batchSize: number;
  windowMs: number;
  region: string;
  eventSourceArn: string;
}

export interface StreamTriggers {
  stop(): Promise<void>;
}

export function streamTargets(functions: TemplateFunction[]): StreamTarget[] {
  const out: StreamTarget[] = [];
  for (const f of functions) {
    for (const ev of f.events) {
      if (ev.type !== "Kinesis") continue;
      const arn = String(ev.properties.Stream ?? "");
      const stream = arn.slice(arn.lastIndexOf("/") + 1);
      if (!stream) throw new Error(`${f.logicalId}.Events.${ev.name}: Stream must be a stream ARN`);
      out.push({
        logicalId: f.logicalId,
        stream,
        batchSize: Number(ev.properties.BatchSize ?? 100),
        windowMs: Math.max(1, Number(ev.properties.MaximumBatchingWindowInSeconds ?? 1)) * 1000,
        region: arn.split(":")[3] || "us-east-1",
        eventSourceArn: arn,
      });
    }
  }
  return out;
}

export function kinesisEvent(target: StreamTarget, shard: string, msgs: ShardMessage[]) {
  return {
    Records: msgs.map((m) => ({
      // `data` is the base64 of the message, encoded only if read: rawBytes() takes the bytes as they are.
      kinesis: withRawBytes(
        {
          kinesisSchemaVersion: "1.0",
          partitionKey: m.subject,
          sequenceNumber: String(m.seq),
          approximateArrivalTimestamp: Number(m.info.timestampNanos / 1_000_000) / 1000,
        },
        "data",
        Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength),
      ) as { kinesisSchemaVersion: string; partitionKey: string; sequenceNumber: string; approximateArrivalTimestamp: number; data: string },
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${shard}:${m.seq}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: `arn:aws:iam::000000000000:role/${target.logicalId}`,
      awsRegion: target.region,
      eventSourceARN: target.eventSourceArn,
    })),
  };
}

const LEASE_MS = 15_000;
/** How often a runtime checks whether it holds less than its share of a stream's shards. */
const BALANCE_MS = 5_000;

export function startStreamTriggers(
  targets: StreamTarget[],
  opts: { log: (message: string, error?: unknown) => void },
): StreamTriggers {
  let stopped = false;
  const loops: Promise<void>[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  async function shardLoop(target: StreamTarget, shard: ShardRecord): Promise<void> {
    let lease: Lease | undefined;
    while (!stopped) {
      try {
        lease ??= await acquireLease(target.stream, shard.shard, owner, LEASE_MS);
        if (!lease) {
          await sleep(1000); // someone else holds it; take over if they go away
          continue;
        }
        const batch = await readShard(target.stream, shard.filter, lease.record.checkpoint + 1, target.batchSize, target.windowMs);
        if (!batch.length) {
          // An idle shard's lease is renewed once half of it has run, not after every empty window (a KV write a second a shard).
          if (lease.record.leaseUntil - Date.now() < LEASE_MS / 2 && !(await commitLease(lease, lease.record.checkpoint, LEASE_MS))) lease = undefined;
          continue;
        }
        // Renewed longer ago than a read takes (the shard was idle): still ours? Another runtime may have taken it to even
        // out the leases, and a batch worked on here then would be worked on twice.
        if (LEASE_MS - (lease.record.leaseUntil - Date.now()) > target.windowMs + 1000 && !(await commitLease(lease, lease.record.checkpoint, LEASE_MS))) {
          lease = undefined;
          continue;
        }
        const result = await invokeFunction(target.logicalId, kinesisEvent(target, shard.shard, batch), 120_000);
        if (result?.batchItemFailures?.length) throw new Error(`${result.batchItemFailures.length} records failed`);
        if (!(await commitLease(lease, batch[batch.length - 1].seq, LEASE_MS))) {
          opts.log(`stream trigger ${target.logicalId}/${shard.shard}: lease lost; the new holder redoes this batch`);
          lease = undefined;
        }
      } catch (e) {
        if (stopped) break;
        opts.log(`stream trigger ${target.logicalId}/${shard.shard}: batch failed; retrying from the checkpoint`, e);
        await sleep(1000);
      }
    }
    if (lease) await releaseLease(lease).catch(() => undefined);
  }

  // A shard taken here is picked up by its shardLoop's next acquireLease (the lease is already ours).
  async function balanceLoop(target: StreamTarget, shards: string[]): Promise<void> {
    while (!stopped) {
      for (let waited = 0; waited < BALANCE_MS && !stopped; waited += 250) await sleep(250);
      if (stopped) break;
      try {
        const shard = await balanceLeases(target.stream, owner, LEASE_MS, Date.now(), shards);
        if (shard !== undefined) opts.log(`stream trigger ${target.logicalId}/${shard}: lease taken to share the shards evenly`);
      } catch (e) {
        if (!stopped) opts.log(`stream trigger ${target.logicalId}: balancing the leases failed`, e);
      }
    }
  }

  async function run(target: StreamTarget): Promise<void> {
    // The stream and its shards are declared by the functions' own code;
    // wait for them rather than guess their configuration here.
    while (!stopped) {
      try {
        const shards = (await shardsDeclared(target.stream)) ? await listShards(target.stream) : [];
        if (shards.length) {
          await Promise.all([...shards.map((s) => shardLoop(target, s)), balanceLoop(target, shards.map((s) => s.shard))]);
          return;
        }
      } catch {
        // not there yet
      }
      await sleep(500);
    }
  }

  for (const t of targets) loops.push(run(t));
  return {
    async stop() {
      stopped = true;
      await Promise.race([Promise.all(loops), sleep(5000)]);
    },
  };
}
