/**
 * The object store on Predastore's subset of S3: the cold tier's writes,
 * reads, listing and purge go through an endpoint that refuses
 * ListObjectsV2, DeleteObjects, CopyObject and conditional writes.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeys, getObject, getS3, listKeys, putObject } from "../../lib/storage/s3.js";
import { startTestServers, type TestServers } from "../support/servers.js";
import { startPredastoreProxy, type PredastoreProxy } from "../support/predastore-proxy.js";

let servers: TestServers;
let proxy: PredastoreProxy;
const BUCKET = "predastore-subset";

beforeAll(async () => {
  servers = await startTestServers("predastore");
  proxy = await startPredastoreProxy(servers.s3!.url);
  process.env.HIVE_CLOUDWATCH_STORAGE_ENDPOINT = proxy.url;
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await servers?.stop();
});

describe("the S3 store on Predastore's subset", () => {
  it("the proxy does refuse what Predastore lacks", async () => {
    await putObject(BUCKET, "probe", "x");
    const e = await getS3().send(new ListObjectsV2Command({ Bucket: BUCKET })).then(() => undefined, (x: Error & { $metadata?: { httpStatusCode?: number } }) => x);
    expect(e?.$metadata?.httpStatusCode).toBe(501);
    expect(proxy.refused).toEqual([expect.stringMatching(/ListObjectsV2/)]);
    proxy.refused.length = 0;
    await deleteKeys(BUCKET, ["probe"]);
  });

  it("puts, gets, lists past one page of 1000 keys, and deletes with only PutObject, GetObject, ListObjects and DeleteObject", async () => {
    const keys = Array.from({ length: 1205 }, (_, i) => `metrics/000000000000/s${String(i).padStart(5, "0")}/Count/2026-01-01.chunk`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => putObject(BUCKET, k, k)));
    await putObject(BUCKET, "other/keep", "keep");
    expect(Buffer.from((await getObject(BUCKET, keys[7]!))!).toString()).toBe(keys[7]);
    expect(await getObject(BUCKET, "metrics/none")).toBeUndefined();
    const listed = await listKeys(BUCKET, "metrics/");
    expect(listed).toEqual(keys);
    await deleteKeys(BUCKET, listed);
    expect(await listKeys(BUCKET, "metrics/")).toEqual([]);
    expect(await listKeys(BUCKET, "")).toEqual(["other/keep"]);
    expect(proxy.refused).toEqual([]);
  }, 120_000);
});
