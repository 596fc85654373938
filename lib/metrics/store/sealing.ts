/**
 * How far roll-off has sealed hourly chunks: every hourly (m1) chunk ending
 * at or before this time was folded into its 12-hour chunk (m1s) and
 * deleted, so readers ask only for hourly chunks of later hours.
 *
 * One record for the whole store (roll-off seals every account in one run),
 * only ever moved forward. A reader with an older value asks for more hourly
 * chunks than exist, which costs a little and is still right, so the value is
 * cached for a few seconds. Key and record: docs/formats/kv-keys.md.
 */
import { createRecord, getRecord, updateRecord } from "../../storage/kv.js";
import { chunkBucket } from "./chunk-store.js";

/** Not an account's key: accounts are twelve digits, so no chunk key starts with this. */
const KEY = "sealed.m1";
const CACHE_MS = 5000;

interface SealedRecord {
  through: number;
}

let cached: { value: Promise<number>; at: number } | undefined;

/** Epoch ms; -Infinity while nothing was ever sealed. */
export function sealedThrough(now = Date.now()): Promise<number> {
  if (!cached || now - cached.at > CACHE_MS || now < cached.at) {
    const value = chunkBucket()
      .then((kv) => getRecord<SealedRecord>(kv, KEY))
      .then((r) => r?.value.through ?? -Infinity);
    value.catch(() => (cached = undefined));
    cached = { value, at: now };
  }
  return cached.value;
}

/** Records that every hourly chunk ending at or before `through` is sealed (never moves it back). */
export async function markSealedThrough(through: number): Promise<void> {
  const kv = await chunkBucket();
  // Compare-and-set: two roll-offs at once must not move it back.
  for (let attempt = 0; attempt < 20; attempt++) {
    const current = await getRecord<SealedRecord>(kv, KEY);
    if (current && current.value.through >= through) break;
    if (current ? await updateRecord(kv, KEY, { through }, current.revision) : await createRecord(kv, KEY, { through })) break;
  }
  cached = undefined;
}
