/**
 * Which evaluator process evaluates which alarms at a tick: alarms fall in
 * PARTITIONS partitions by a hash of account, region and name, and a process
 * takes a partition for one tick with a compare-and-set on its lease in the
 * `cw-alarm-leases` bucket ({tick, owner, until, done}). A lease not marked
 * done by `until` (its holder died mid-tick) can be taken over for the same
 * tick, so a killed evaluator loses no evaluation; per-alarm compare-and-set
 * (transition.ts) keeps a taken-over alarm from changing twice.
 */
import { randomUUID } from "node:crypto";
import { BUCKETS, getBucket } from "../../storage/nats.js";
import { getRecord, isWrongLastSequence } from "../../storage/kv.js";
import { textHash } from "../../metrics/store/identity.js";

export const PARTITIONS = 16;
/** How long a lease holder has to finish its partition before another process may take it. */
export const LEASE_MS = 45_000;

export const OWNER = randomUUID();

interface Lease {
  tick: number;
  owner: string;
  until: number;
  done: boolean;
}

export const partitionOf = (account: string, region: string, name: string) => (textHash(`${account}/${region}/${name}`) >>> 0) % PARTITIONS;

const leaseKey = (kind: string, p: number) => `${kind}.${p}`;

/**
 * Takes partition `p` for `tick` of `kind` ("minute" or "sub"); the lease's
 * revision when taken, undefined when another process has it or has done it.
 * `owner` tells processes apart (tests run two evaluators in one process).
 */
export async function takeLease(kind: string, p: number, tick: number, owner: string, wall = Date.now()): Promise<number | undefined> {
  const kv = await getBucket(BUCKETS.alarmLeases);
  const key = leaseKey(kind, p);
  const lease: Lease = { tick, owner, until: wall + LEASE_MS, done: false };
  const cur = await getRecord<Lease>(kv, key);
  const l = cur?.value;
  if (l && (l.tick > tick || (l.tick === tick && (l.done || l.until > wall)))) return undefined;
  const body = Buffer.from(JSON.stringify(lease));
  try {
    return cur ? await kv.update(key, body, cur.revision) : await kv.create(key, body);
  } catch (e) {
    if (isWrongLastSequence(e)) return undefined;
    throw e;
  }
}

/** Marks the partition done for its tick (no one takes it over then). */
export async function finishLease(kind: string, p: number, tick: number, owner: string, revision: number): Promise<void> {
  const kv = await getBucket(BUCKETS.alarmLeases);
  const done: Lease = { tick, owner, until: 0, done: true };
  try {
    await kv.update(leaseKey(kind, p), Buffer.from(JSON.stringify(done)), revision);
  } catch (e) {
    if (!isWrongLastSequence(e)) throw e; // taken over: the other holder finishes it
  }
}
