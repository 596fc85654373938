/**
 * The S3 object store (Predastore in Hive; any S3 endpoint), path-style.
 * Buckets are created on first use. Only what Predastore serves is used:
 * PutObject, GetObject, HeadObject, DeleteObject and ListObjects — no
 * ListObjectsV2 continuation, DeleteObjects, CopyObject or conditional writes.
 */
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsCommand,
  PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { getConfig } from "../config/config.js";

const SHARED = Symbol.for("hive.cloudwatch.s3");
const shared = ((globalThis as any)[SHARED] ??= { buckets: new Map<string, Promise<void>>() }) as {
  client?: S3Client;
  buckets: Map<string, Promise<void>>;
};

export function getS3(): S3Client {
  if (!shared.client) {
    const { storage } = getConfig();
    if (!storage.endpoint) throw new Error("no S3 endpoint configured (HIVE_CLOUDWATCH_STORAGE_ENDPOINT)");
    shared.client = new S3Client({
      endpoint: storage.endpoint,
      region: storage.region,
      forcePathStyle: true,
      credentials: { accessKeyId: storage.accessKeyId, secretAccessKey: storage.secretAccessKey },
      // Predastore and other S3 servers may not know the newer default checksums.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // The middleware stack resolved once per command class, not per call (nothing here changes it after): a full
      // FilterLogEvents read makes ~960 ranged GETs a GB, and resolving it took ~2% of the main thread's samples.
      cacheMiddleware: true,
    });
  }
  return shared.client;
}

export function ensureBucket(bucket: string): Promise<void> {
  let p = shared.buckets.get(bucket);
  if (!p) {
    p = (async () => {
      const s3 = getS3();
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch {
        try {
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        } catch (e) {
          const name = (e as Error).name;
          if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw e;
        }
      }
    })().catch((e) => {
      shared.buckets.delete(bucket);
      throw e;
    });
    shared.buckets.set(bucket, p);
  }
  return p;
}

export async function putObject(bucket: string, key: string, body: Uint8Array | string, contentType?: string) {
  await ensureBucket(bucket);
  await getS3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/** The object's bytes, or undefined when there is no such key. */
export async function getObject(bucket: string, key: string): Promise<Uint8Array | undefined> {
  await ensureBucket(bucket);
  try {
    const res = await getS3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await res.Body!.transformToByteArray();
  } catch (e) {
    if ((e as Error).name === "NoSuchKey") return undefined;
    throw e;
  }
}

/** A ranged GetObject's answer (`start` to `end`, exclusive), or undefined when there is no such key. */
async function getRange(bucket: string, key: string, start: number, end: number) {
  await ensureBucket(bucket);
  try {
    return await getS3().send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
  } catch (e) {
    if ((e as Error).name === "NoSuchKey") return undefined;
    throw e;
  }
}

/**
 * Bytes `start` to `end` (exclusive) of an object, by a ranged GET. A server
 * that ignores Range answers the whole object: the range is cut from it.
 */
export async function getObjectRange(bucket: string, key: string, start: number, end: number): Promise<Uint8Array | undefined> {
  const res = await getRange(bucket, key, start, end);
  if (!res) return undefined;
  const body = await res.Body!.transformToByteArray();
  return res.ContentRange || body.length === end - start ? body : body.subarray(start, end);
}

/**
 * getObjectRange into `into` (end - start bytes long), the body copied there
 * as it arrives: no Buffer of its own and no second copy, as
 * transformToByteArray makes. False when there is no such key; throws when
 * the body is shorter than the range.
 */
export async function getObjectRangeInto(bucket: string, key: string, start: number, end: number, into: Uint8Array): Promise<boolean> {
  const length = end - start;
  if (into.length !== length) throw new RangeError(`getObjectRangeInto: ${into.length} bytes to fill for a range of ${length}`);
  const res = await getRange(bucket, key, start, end);
  if (!res) return false;
  // A server that ignores Range sends the whole object: the range is cut from it as it goes by.
  const skip = res.ContentRange || res.ContentLength === length ? 0 : start;
  let at = 0;
  const take = (chunk: Uint8Array) => {
    const from = Math.max(0, skip - at);
    const to = Math.min(chunk.length, skip + length - at);
    if (to > from) into.set(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to), at + from - skip);
    at += chunk.length;
  };
  const body = res.Body as unknown as Readable | AsyncIterable<Uint8Array>;
  // Node's body (an IncomingMessage) by its events: its async iterator costs a promise and a tick per socket read.
  if (body instanceof Readable) {
    await new Promise<void>((resolve, reject) => {
      body.on("data", take);
      body.once("end", resolve);
      body.once("error", reject);
      // Closed before its end (a reset socket): the length check below fails it, never a hang.
      body.once("close", resolve);
    });
  } else for await (const chunk of body) take(chunk);
  if (at < skip + length) throw new Error(`GetObject ${key}: ${at} bytes for a range ending at ${skip + length}`);
  return true;
}

/**
 * Every key under `prefix`. ListObjects (v1): a server that truncates is asked
 * again after the last key it gave (Marker); one that ignores the marker ends
 * the listing instead of looping.
 */
export async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  await ensureBucket(bucket);
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const res = await getS3().send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }));
    const page = (res.Contents ?? []).map((o) => o.Key).filter((k): k is string => !!k && (marker === undefined || k > marker));
    keys.push(...page);
    if (!res.IsTruncated || page.length === 0) return keys;
    marker = page[page.length - 1];
  }
}

/** Deletes the keys one DeleteObject at a time, a few at once (no DeleteObjects on Predastore). */
export async function deleteKeys(bucket: string, keys: string[]): Promise<void> {
  const queue = [...keys];
  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      await getS3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
}
