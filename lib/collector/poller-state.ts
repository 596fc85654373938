/**
 * What the poller remembers of an instance between ticks, in KV
 * (`cw-collector-state`, key `{account}.qmp.{instance-id}`), so any process
 * can run the next tick: the period it last claimed, the reading taken then,
 * and the problem it last logged. A tick claims a period with a
 * compare-and-set before it publishes, so of two collectors on one host only
 * one publishes a period. Records expire a day after their last write, so
 * instances that are gone leave nothing behind. Layout: docs/formats/collector-state.md.
 */
import type { KV } from "nats";
import { getNats, type Nats } from "../storage/nats.js";
import { createRecord, getRecord, recordKey, updateRecord, type Versioned } from "../storage/kv.js";
import type { InstanceSample } from "./instance-sample.js";

export const STATE_VERSION = 1;

export interface PollerState {
  v: typeof STATE_VERSION;
  /** End (epoch ms) of the last period claimed, which this record's reading closed. */
  boundary: number;
  sample?: InstanceSample;
  /** The problem last logged for the instance's QMP socket; logged again only when it changes. */
  problem?: string;
  /** Likewise for its guest agent. */
  agentProblem?: string;
}

export const STATE_BUCKET = "cw-collector-state";
const RECORD_TTL_MS = 24 * 3600 * 1000;
const opened = new WeakMap<Nats, Promise<KV>>();

/** The bucket, opened (created with its TTL when missing) once per NATS connection. */
export async function stateBucket(): Promise<KV> {
  const nats = await getNats();
  let kv = opened.get(nats);
  if (!kv) {
    kv = nats.js.views.kv(STATE_BUCKET, { history: 1, ttl: RECORD_TTL_MS });
    kv.catch(() => opened.delete(nats));
    opened.set(nats, kv);
  }
  return kv;
}

export const instanceKey = (accountId: string, instanceId: string) => recordKey(accountId, "qmp", instanceId);

/** The record; one of another layout version reads as absent, but keeps its revision for the next claim. */
export async function readState(kv: KV, key: string): Promise<Versioned<PollerState> | undefined> {
  const r = await getRecord<PollerState>(kv, key);
  if (r && r.value.v !== STATE_VERSION) return { value: { v: STATE_VERSION, boundary: 0 }, revision: r.revision };
  return r;
}

/** Claims the record: false when another collector wrote it since `current` was read. */
export function claimState(kv: KV, key: string, next: PollerState, current: Versioned<PollerState> | undefined): Promise<boolean> {
  return current ? updateRecord(kv, key, next, current.revision) : createRecord(kv, key, next);
}
