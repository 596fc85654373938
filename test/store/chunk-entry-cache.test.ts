import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogGroup, getLogGroup } from "../../lib/logs/groups.js";
import { createLogStream, deleteLogStream } from "../../lib/logs/streams.js";
import { putLogEvents } from "../../lib/logs/events/put-log-events.js";
import { scanLogEvents, type ScanOptions } from "../../lib/logs/events/scan.js";
import { compactLogs } from "../../lib/logs/events/compactor.js";
import { chunkBucket, chunkEntryKey, getStreamState, type ChunkEntry } from "../../lib/logs/events/chunk-index.js";
import { getRecord, putRecord } from "../../lib/storage/kv.js";
import { enforceRetention } from "../../lib/logs/events/retention.js";
import { startTestServers, type TestServers } from "../support/servers.js";

const A = "111111111111";
const REGION = "us-east-1";

let servers: TestServers;
beforeAll(async () => {
  servers = await startTestServers("chunk-entry-cache");
}, 60_000);
afterAll(() => servers?.stop());

const unique = (base: string) => `/test/${base}-${Math.random().toString(36).slice(2, 10)}`;

async function messages(group: string, opts: ScanOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const page of scanLogEvents(A, group, opts)) for (const e of page) out.push(e.message);
  return out;
}

async function groupWithStream(): Promise<string> {
  const group = unique("g");
  await createLogGroup(A, REGION, { logGroupName: group });
  await createLogStream(A, REGION, { logGroupName: group, logStreamName: "s" });
  return group;
}

const put = (group: string, message: string) => putLogEvents(A, REGION, { logGroupName: group, logStreamName: "s", logEvents: [{ timestamp: Date.now(), message }] });

const groupId = async (group: string) => (await getLogGroup(A, group))!.value.id;

describe("chunk entries kept across reads (chunk-entry-cache.ts)", () => {
  it("a committed entry read once is not read from KV again for the same tokens; a read with other tokens reads it again", async () => {
    const group = await groupWithStream();
    await put(group, "alpha beta");
    await compactLogs({ force: true });
    expect(await messages(group, { requiredTokens: ["alpha"] })).toEqual(["alpha beta"]);
    const state = (await getStreamState(A, await groupId(group), "s"))!.value;
    expect(state.committed).toEqual([[1, 1]]);
    // The entry gone from KV (nothing does this to a committed chunk): only the kept entry still leads to the chunk.
    const kv = await chunkBucket();
    const key = chunkEntryKey(A, state.groupId, "s", 1);
    const kept = (await getRecord<ChunkEntry>(kv, key))!.value;
    await kv.purge(key);
    try {
      expect(await messages(group, { requiredTokens: ["alpha"] })).toEqual(["alpha beta"]);
      expect(await messages(group, { requiredTokens: ["beta"] })).toEqual([]);
    } finally {
      await putRecord(kv, key, kept); // as it was, for LogRetention in the tests after
    }
  });

  it("a stream made again after retention purged its state shows its own chunk 1, not the entry kept of the old stream's", async () => {
    const group = await groupWithStream();
    await put(group, "old");
    await compactLogs({ force: true });
    expect(await messages(group)).toEqual(["old"]);
    const id = await groupId(group);
    const before = (await getStreamState(A, id, "s"))!.value;
    await deleteLogStream(A, REGION, { logGroupName: group, logStreamName: "s" });
    await enforceRetention();
    expect(await getStreamState(A, id, "s")).toBeUndefined();
    await new Promise((r) => setTimeout(r, 5)); // another creation time
    await createLogStream(A, REGION, { logGroupName: group, logStreamName: "s" });
    await put(group, "new");
    await compactLogs({ force: true });
    const after = (await getStreamState(A, id, "s"))!.value;
    // The same entry key as the old stream's chunk, under another incarnation.
    expect(after.committed).toEqual(before.committed);
    expect(after.streamCreated).not.toBe(before.streamCreated);
    expect(await messages(group)).toEqual(["new"]);
  });
});
