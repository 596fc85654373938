/**
 * The cold tier: 1-hour rollups in the S3 store, one object per series, unit
 * and day: `metrics/{account}/{seriesId}/{unit}/{YYYY-MM-DD}.chunk`, holding
 * the same record format as the KV tiers (docs/formats/s3-keys.md).
 */
import { getConfig } from "../../config/config.js";
import { keyToken } from "../../storage/kv.js";
import { deleteKeys, getObject, listKeys, putObject } from "../../storage/s3.js";
import { decodeStoredChunk, emptyChunk, encodeStoredChunk, type ChunkRef, type StoredChunk } from "./chunk-store.js";
import { TIERS } from "./tiers.js";

const bucket = () => getConfig().storage.bucket;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

export const coldKey = (r: Omit<ChunkRef, "tier">) => `metrics/${r.account}/${r.seriesId}/${keyToken(r.unit)}/${day(r.start)}.chunk`;

export async function loadCold(ref: Omit<ChunkRef, "tier">): Promise<StoredChunk> {
  const bytes = await getObject(bucket(), coldKey(ref));
  return bytes ? decodeStoredChunk(bytes, 1) : emptyChunk();
}

export async function saveCold(ref: Omit<ChunkRef, "tier">, chunk: StoredChunk): Promise<void> {
  await putObject(bucket(), coldKey(ref), encodeStoredChunk(TIERS.h1.resolutionMs, chunk), "application/octet-stream");
}

/** Deletes cold objects of days before `cutoff`; returns how many. */
export async function purgeCold(cutoff: number): Promise<number> {
  const keys = await listKeys(bucket(), "metrics/");
  const old = keys.filter((k) => {
    const m = /\/(\d{4}-\d{2}-\d{2})\.chunk$/.exec(k);
    return m && Date.parse(`${m[1]}T00:00:00Z`) + TIERS.h1.spanMs <= cutoff;
  });
  if (old.length) await deleteKeys(bucket(), old);
  return old.length;
}
