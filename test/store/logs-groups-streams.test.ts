/**
 * Log group and stream metadata against a real nats-server (JetStream KV):
 * the lib/logs functions the operation handlers call, with AWS's behaviour.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../local/processes.js";
import type { LogStreamRecord } from "../../lib/logs/stream-record.js";

const A = "111111111111";
const B = "222222222222";
const REGION = "us-east-1";

let nats: RunningServer;
let storeDir: string;
let groups: typeof import("../../lib/logs/groups.js");
let streams: typeof import("../../lib/logs/streams.js");
let tags: typeof import("../../lib/logs/tags.js");
let noteIngest: typeof import("../../lib/logs/events/ingest-notes.js").noteIngest;
let getRecord: typeof import("../../lib/storage/kv.js").getRecord;
let logStreamKey: typeof import("../../lib/logs/names.js").logStreamKey;
let closeNats: () => Promise<void>;

beforeAll(async () => {
  const { startNatsServer } = await import("../../local/processes.js");
  storeDir = mkdtempSync(join(tmpdir(), "logs-store-"));
  nats = await startNatsServer({ storeDir });
  process.env.HIVE_CLOUDWATCH_NATS_URL = nats.url;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  groups = await import("../../lib/logs/groups.js");
  streams = await import("../../lib/logs/streams.js");
  tags = await import("../../lib/logs/tags.js");
  ({ noteIngest } = await import("../../lib/logs/events/ingest-notes.js"));
  ({ getRecord } = await import("../../lib/storage/kv.js"));
  ({ logStreamKey } = await import("../../lib/logs/names.js"));
  ({ closeNats } = await import("../../lib/storage/nats.js"));
});

afterAll(async () => {
  await closeNats?.();
  await nats?.stop();
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
});

let n = 0;
const unique = (base: string) => `${base}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; status: number; fields: Record<string, unknown> }> {
  const e = await p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err) => err,
  );
  return { code: e.code, message: e.message, status: e.status, fields: e.fields };
}

const createGroup = (name: string, extra: Record<string, unknown> = {}, account = A) =>
  groups.createLogGroup(account, REGION, { logGroupName: name, ...extra });
const describeGroups = (input: Record<string, unknown>, account = A) => groups.describeLogGroups(account, REGION, input);
const createStream = (group: string, stream: string, account = A) =>
  streams.createLogStream(account, REGION, { logGroupName: group, logStreamName: stream });
const describeStreams = (input: Record<string, unknown>, account = A) => streams.describeLogStreams(account, REGION, input);

describe("CreateLogGroup / DescribeLogGroups", () => {
  it("creates a group that DescribeLogGroups shows with AWS's fields", async () => {
    const name = unique("/hive/app");
    const before = Date.now();
    await createGroup(name);
    const { logGroups, nextToken } = await describeGroups({ logGroupNamePrefix: name });
    expect(nextToken).toBeUndefined();
    expect(logGroups).toEqual([
      {
        logGroupName: name,
        creationTime: expect.any(Number),
        metricFilterCount: 0,
        arn: `arn:aws:logs:${REGION}:${A}:log-group:${name}:*`,
        storedBytes: 0,
        logGroupClass: "STANDARD",
        logGroupArn: `arn:aws:logs:${REGION}:${A}:log-group:${name}`,
        deletionProtectionEnabled: false,
      },
    ]);
    expect(logGroups![0].creationTime).toBeGreaterThanOrEqual(before);
    expect(logGroups![0].creationTime).toBeLessThanOrEqual(Date.now());
  });

  it("keeps kmsKeyId, logGroupClass and tags given at creation", async () => {
    const name = unique("kms");
    const kmsKeyId = `arn:aws:kms:${REGION}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    await createGroup(name, { kmsKeyId, logGroupClass: "INFREQUENT_ACCESS", tags: { env: "test", team: "obs" } });
    const [g] = (await describeGroups({ logGroupNamePrefix: name })).logGroups!;
    expect(g.kmsKeyId).toBe(kmsKeyId);
    expect(g.logGroupClass).toBe("INFREQUENT_ACCESS");
    expect((await tags.listTagsLogGroup(A, REGION, { logGroupName: name })).tags).toEqual({ env: "test", team: "obs" });
  });

  it("refuses a second group of the same name", async () => {
    const name = unique("dup");
    await createGroup(name);
    expect(await failure(createGroup(name))).toMatchObject({
      code: "ResourceAlreadyExistsException",
      message: "The specified log group already exists",
      status: 400,
    });
  });

  it("lets exactly one of many concurrent creators win", async () => {
    const name = unique("race");
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => createGroup(name)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason.code).toBe("ResourceAlreadyExistsException");
    }
  });

  it("lets exactly one of two processes win each name", async () => {
    const names = Array.from({ length: 15 }, () => unique("proc"));
    const root = resolve(import.meta.dirname, "../..");
    const script = `
      const { createLogGroup } = await import(${JSON.stringify(join(root, "lib/logs/groups.ts"))});
      const { closeNats } = await import(${JSON.stringify(join(root, "lib/storage/nats.ts"))});
      const names = ${JSON.stringify(names)};
      const won = [];
      for (const n of names) {
        try { await createLogGroup(${JSON.stringify(A)}, "us-east-1", { logGroupName: n }); won.push(n); }
        catch (e) { if (e.code !== "ResourceAlreadyExistsException") throw e; }
      }
      await closeNats();
      console.log(JSON.stringify(won));`;
    const run = () =>
      new Promise<string[]>((ok, fail) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
          cwd: root,
          env: { ...process.env, HIVE_CLOUDWATCH_NATS_URL: nats.url, HIVE_CLOUDWATCH_LOCAL: "true" },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("exit", (code) => (code === 0 ? ok(JSON.parse(out.trim().split("\n").pop()!)) : fail(new Error(err))));
      });
    const [first, second] = await Promise.all([run(), run()]);
    expect([...first, ...second].sort()).toEqual([...names].sort());
  });

  // The model's constraints (names, tags, class) are checked before any handler: test/service/validation.test.ts.
  it("refuses reserved prefixes", async () => {
    expect((await failure(createGroup("aws/mine"))).message).toBe("Log groups starting with AWS/ are reserved for AWS.");
  });

  it("accepts names at the length limit, including ones stored under hashed keys", async () => {
    const id = String(++n);
    const long = `/${id}` + "/".repeat(511 - id.length);
    expect(long).toHaveLength(512);
    await createGroup(long);
    const got = await describeGroups({ logGroupNamePrefix: long });
    expect(got.logGroups!.map((g) => g.logGroupName)).toEqual([long]);
    const stream = "😀".repeat(256);
    await createStream(long, stream);
    const s = await describeStreams({ logGroupName: long });
    expect(s.logStreams!.map((x) => x.logStreamName)).toEqual([stream]);
    await streams.deleteLogStream(A, REGION, { logGroupName: long, logStreamName: stream });
    await groups.deleteLogGroup(A, REGION, { logGroupName: long });
    expect((await describeGroups({ logGroupNamePrefix: long })).logGroups).toEqual([]);
  });
});

describe("DescribeLogGroups filters and pages", () => {
  const base = unique("list");
  const names = ["a", "B", "c/x", "c/y", "c.z", "d#1", "e_E", "f-f"].map((s) => `${base}/${s}`);

  beforeAll(async () => {
    for (const name of [...names].reverse()) await createGroup(name, name.endsWith("d#1") ? { logGroupClass: "INFREQUENT_ACCESS" } : {});
  });

  it("sorts by name (ASCII) and pages with nextToken", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await describeGroups({ logGroupNamePrefix: `${base}/`, limit: 3, nextToken: token });
      expect(page.logGroups!.length).toBeLessThanOrEqual(3);
      seen.push(...page.logGroups!.map((g) => g.logGroupName!));
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].sort());
    expect(seen[0]).toBe(`${base}/B`); // uppercase before lowercase
  });

  it("filters by prefix (case-sensitive)", async () => {
    expect((await describeGroups({ logGroupNamePrefix: `${base}/c` })).logGroups!.map((g) => g.logGroupName)).toEqual([
      `${base}/c.z`,
      `${base}/c/x`,
      `${base}/c/y`,
    ]);
    expect((await describeGroups({ logGroupNamePrefix: `${base}/b` })).logGroups).toEqual([]);
  });

  it("filters by pattern: a case-sensitive substring, answered with fewer fields", async () => {
    const got = await describeGroups({ logGroupNamePattern: `${base}/e_E` });
    expect(got.logGroups).toEqual([
      {
        logGroupName: `${base}/e_E`,
        creationTime: expect.any(Number),
        metricFilterCount: 0,
        arn: `arn:aws:logs:${REGION}:${A}:log-group:${base}/e_E:*`,
        logGroupClass: "STANDARD",
        logGroupArn: `arn:aws:logs:${REGION}:${A}:log-group:${base}/e_E`,
      },
    ]);
    expect((await describeGroups({ logGroupNamePattern: "/c/" })).logGroups!.map((g) => g.logGroupName)).toEqual(
      expect.arrayContaining([`${base}/c/x`, `${base}/c/y`]),
    );
    expect((await describeGroups({ logGroupNamePattern: `${base}/e_e` })).logGroups).toEqual([]);
  });

  it("filters by class and by identifiers", async () => {
    const ia = await describeGroups({ logGroupNamePrefix: `${base}/`, logGroupClass: "INFREQUENT_ACCESS" });
    expect(ia.logGroups!.map((g) => g.logGroupName)).toEqual([`${base}/d#1`]);
    const ids = await describeGroups({
      logGroupIdentifiers: [`${base}/a`, `arn:aws:logs:${REGION}:${A}:log-group:${base}/f-f`, `arn:aws:logs:${REGION}:${B}:log-group:${base}/B`],
    });
    expect(ids.logGroups!.map((g) => g.logGroupName)).toEqual([`${base}/a`, `${base}/f-f`]);
  });

  it("rejects prefix with pattern and bad tokens", async () => {
    expect(await failure(describeGroups({ logGroupNamePrefix: "a", logGroupNamePattern: "a" }))).toMatchObject({
      code: "InvalidParameterException",
      message: "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
    });
    expect(await failure(describeGroups({ nextToken: "garbage" }))).toMatchObject({
      code: "InvalidParameterException",
      message: "The specified nextToken is invalid.",
    });
    const { nextToken } = await describeGroups({ logGroupNamePrefix: `${base}/`, limit: 1 });
    expect((await failure(describeGroups({ logGroupNamePrefix: `${base}/c`, nextToken }))).message).toBe(
      "The specified nextToken is invalid.",
    );
  });

  it("defaults to 50 per page", async () => {
    const many = unique("many");
    await Promise.all(Array.from({ length: 55 }, (_, i) => createGroup(`${many}/${String(i).padStart(2, "0")}`)));
    const first = await describeGroups({ logGroupNamePrefix: many });
    expect(first.logGroups).toHaveLength(50);
    const second = await describeGroups({ logGroupNamePrefix: many, nextToken: first.nextToken });
    expect(second.logGroups!.map((g) => g.logGroupName)).toEqual([50, 51, 52, 53, 54].map((i) => `${many}/${i}`));
    expect(second.nextToken).toBeUndefined();
  });
});

describe("DeleteLogGroup", () => {
  it("deletes the group and its streams; a new group of the same name starts empty", async () => {
    const name = unique("del");
    await createGroup(name, { tags: { a: "1" } });
    await createStream(name, "s1");
    await createStream(name, "s2");
    await groups.deleteLogGroup(A, REGION, { logGroupName: name });
    expect((await describeGroups({ logGroupNamePrefix: name })).logGroups).toEqual([]);
    expect(await failure(describeStreams({ logGroupName: name }))).toMatchObject({
      code: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
    await createGroup(name);
    expect((await describeStreams({ logGroupName: name })).logStreams).toEqual([]);
    expect((await tags.listTagsLogGroup(A, REGION, { logGroupName: name })).tags).toEqual({});
    await createStream(name, "s1"); // no leftover in the way
  });

  it("answers ResourceNotFoundException for a missing group", async () => {
    expect(await failure(groups.deleteLogGroup(A, REGION, { logGroupName: unique("nope") }))).toMatchObject({
      code: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
      status: 400,
    });
  });

  it("refuses to delete a group with deletion protection", async () => {
    const name = unique("protected");
    await createGroup(name, { deletionProtectionEnabled: true });
    expect((await describeGroups({ logGroupNamePrefix: name })).logGroups![0].deletionProtectionEnabled).toBe(true);
    expect(await failure(groups.deleteLogGroup(A, REGION, { logGroupName: name }))).toMatchObject({
      code: "ValidationException",
      message: "Cannot delete log group with deletion protection enabled. Disable deletion protection first.",
    });
  });
});

describe("retention", () => {
  it("PutRetentionPolicy sets and DeleteRetentionPolicy clears retentionInDays", async () => {
    const name = unique("ret");
    await createGroup(name);
    await groups.putRetentionPolicy(A, REGION, { logGroupName: name, retentionInDays: 14 });
    expect((await describeGroups({ logGroupNamePrefix: name })).logGroups![0].retentionInDays).toBe(14);
    await groups.putRetentionPolicy(A, REGION, { logGroupName: name, retentionInDays: 3653 });
    expect((await describeGroups({ logGroupNamePrefix: name })).logGroups![0].retentionInDays).toBe(3653);
    await groups.deleteRetentionPolicy(A, REGION, { logGroupName: name });
    expect((await describeGroups({ logGroupNamePrefix: name })).logGroups![0]).not.toHaveProperty("retentionInDays");
  });

  it("rejects days outside AWS's set, and missing groups", async () => {
    const name = unique("ret");
    await createGroup(name);
    expect(await failure(groups.putRetentionPolicy(A, REGION, { logGroupName: name, retentionInDays: 2 }))).toMatchObject({
      code: "InvalidParameterException",
      message:
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
    });
    expect((await failure(groups.putRetentionPolicy(A, REGION, { logGroupName: unique("x"), retentionInDays: 1 }))).code).toBe(
      "ResourceNotFoundException",
    );
    expect((await failure(groups.deleteRetentionPolicy(A, REGION, { logGroupName: unique("x") }))).code).toBe("ResourceNotFoundException");
  });
});

describe("log streams", () => {
  it("CreateLogStream / DescribeLogStreams with AWS's fields", async () => {
    const g = unique("streams");
    await createGroup(g);
    await createStream(g, "2024/01/01/[$LATEST]abc");
    const { logStreams } = await describeStreams({ logGroupName: g });
    expect(logStreams).toEqual([
      {
        logStreamName: "2024/01/01/[$LATEST]abc",
        creationTime: expect.any(Number),
        arn: `arn:aws:logs:${REGION}:${A}:log-group:${g}:log-stream:2024/01/01/[$LATEST]abc`,
        storedBytes: 0,
      },
    ]);
  });

  it("refuses duplicates and streams of missing groups", async () => {
    const g = unique("streams");
    await createGroup(g);
    await createStream(g, "s");
    expect(await failure(createStream(g, "s"))).toMatchObject({
      code: "ResourceAlreadyExistsException",
      message: "The specified log stream already exists",
    });
    expect(await failure(createStream(unique("missing"), "s"))).toMatchObject({
      code: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
  });

  it("DeleteLogStream deletes; a missing stream or group is ResourceNotFoundException", async () => {
    const g = unique("streams");
    await createGroup(g);
    await createStream(g, "s");
    await streams.deleteLogStream(A, REGION, { logGroupName: g, logStreamName: "s" });
    expect((await describeStreams({ logGroupName: g })).logStreams).toEqual([]);
    expect(await failure(streams.deleteLogStream(A, REGION, { logGroupName: g, logStreamName: "s" }))).toMatchObject({
      code: "ResourceNotFoundException",
      message: "The specified log stream does not exist.",
    });
    expect(await failure(streams.deleteLogStream(A, REGION, { logGroupName: unique("no"), logStreamName: "s" }))).toMatchObject({
      code: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
  });

  describe("ordering and paging", () => {
    const g = unique("order");
    const names = ["b", "a", "d", "c", "e", "f", "g"];
    // lastEventTimestamp per stream: e latest, then a, b ...; g has no events
    const times: Record<string, number> = { e: 7000, a: 6000, b: 5000, c: 4000, d: 3000, f: 1000 };

    beforeAll(async () => {
      await createGroup(g);
      for (const s of names) await createStream(g, s);
      for (const [s, t] of Object.entries(times)) {
        const known = (await getRecord<LogStreamRecord>(await streams.logStreamsBucket(), logStreamKey(A, g, s)))!;
        const note = { account: A, logGroup: g, logStream: s, creationTime: known.value.creationTime, firstEventTimestamp: t - 500, lastEventTimestamp: t, ingestionTime: t + 10 };
        await noteIngest(note, known);
      }
    });

    async function all(input: Record<string, unknown>) {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await describeStreams({ ...input, nextToken: token });
        out.push(...page.logStreams!.map((s) => s.logStreamName!));
        token = page.nextToken;
      } while (token);
      return out;
    }

    it("by name, ascending and descending, across pages", async () => {
      expect(await all({ logGroupName: g, limit: 2 })).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
      expect(await all({ logGroupName: g, limit: 3, descending: true })).toEqual(["g", "f", "e", "d", "c", "b", "a"]);
      expect(await all({ logGroupName: g, limit: 2, logStreamNamePrefix: "c" })).toEqual(["c"]);
    });

    it("by last event time, descending for the most recent first", async () => {
      expect(await all({ logGroupName: g, orderBy: "LastEventTime", descending: true, limit: 2 })).toEqual(["e", "a", "b", "c", "d", "f", "g"]);
      expect(await all({ logGroupName: g, orderBy: "LastEventTime", limit: 4 })).toEqual(["g", "f", "d", "c", "b", "a", "e"]);
    });

    it("shows event times once known", async () => {
      const [e] = (await describeStreams({ logGroupName: g, logStreamNamePrefix: "e" })).logStreams!;
      expect(e).toMatchObject({ firstEventTimestamp: 6500, lastEventTimestamp: 7000, lastIngestionTime: 7010 });
      const [gs] = (await describeStreams({ logGroupName: g, logStreamNamePrefix: "g" })).logStreams!;
      expect(gs).not.toHaveProperty("lastEventTimestamp");
    });

    // The ARN ending in ':*' is refused by the model's pattern, before any handler runs:
    // test/service/logs-metadata.test.ts pins AWS's answer through the wire.
    it("finds the group by identifier: name or ARN", async () => {
      const arn = `arn:aws:logs:${REGION}:${A}:log-group:${g}`;
      for (const id of [g, arn]) {
        expect((await describeStreams({ logGroupIdentifier: id, limit: 1 })).logStreams!.map((s) => s.logStreamName)).toEqual(["a"]);
      }
    });

    it("rejects LastEventTime with a prefix, name with identifier, neither, and stale tokens", async () => {
      expect(await failure(describeStreams({ logGroupName: g, orderBy: "LastEventTime", logStreamNamePrefix: "a" }))).toMatchObject({
        code: "InvalidParameterException",
        message: "Cannot order by LastEventTime with a logStreamNamePrefix.",
      });
      expect(await failure(describeStreams({ logGroupName: g, logGroupIdentifier: g }))).toMatchObject({
        code: "ValidationException",
        message: "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
      });
      expect((await failure(describeStreams({}))).code).toBe("InvalidParameterException");
      const { nextToken } = await describeStreams({ logGroupName: g, limit: 1 });
      expect((await failure(describeStreams({ logGroupName: g, limit: 1, nextToken, orderBy: "LastEventTime" }))).message).toBe(
        "The specified nextToken is invalid.",
      );
      expect((await failure(describeStreams({ logGroupName: unique("none") }))).message).toBe("The specified log group does not exist.");
    });
  });
});

describe("tags", () => {
  it("TagLogGroup / UntagLogGroup / ListTagsLogGroup and the ARN APIs share one tag map", async () => {
    const name = unique("tags");
    const arn = `arn:aws:logs:${REGION}:${A}:log-group:${name}`;
    await createGroup(name, { tags: { env: "testing1" } });
    await tags.tagResource(A, REGION, { resourceArn: arn, tags: { test1: "val1", test2: "val2" } });
    expect((await tags.listTagsLogGroup(A, REGION, { logGroupName: name })).tags).toEqual({ env: "testing1", test1: "val1", test2: "val2" });
    await tags.tagLogGroup(A, REGION, { logGroupName: name, tags: { test3: "val3", env: "prod" } });
    expect((await tags.listTagsForResource(A, REGION, { resourceArn: arn })).tags).toEqual({
      env: "prod",
      test1: "val1",
      test2: "val2",
      test3: "val3",
    });
    await tags.untagLogGroup(A, REGION, { logGroupName: name, tags: ["test3"] });
    await tags.untagResource(A, REGION, { resourceArn: arn, tagKeys: ["env", "test1", "absent"] });
    expect((await tags.listTagsForResource(A, REGION, { resourceArn: arn })).tags).toEqual({ test2: "val2" });
  });

  it("a group holds at most 50 tags", async () => {
    const name = unique("tags");
    const arn = `arn:aws:logs:${REGION}:${A}:log-group:${name}`;
    await createGroup(name, { tags: Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, "v"])) });
    await tags.tagResource(A, REGION, { resourceArn: arn, tags: { k0: "changed", k49: "v" } }); // 50
    expect(await failure(tags.tagResource(A, REGION, { resourceArn: arn, tags: { k50: "v" } }))).toMatchObject({
      code: "TooManyTagsException",
      message: "A resource can have no more than 50 tags.",
      fields: { resourceName: arn },
    });
    expect((await failure(tags.tagLogGroup(A, REGION, { logGroupName: name, tags: { k50: "v" } }))).code).toBe("InvalidParameterException");
    expect(Object.keys((await tags.listTagsLogGroup(A, REGION, { logGroupName: name })).tags!)).toHaveLength(50);
  });

  it("validates ARNs, and finds nothing in another account", async () => {
    const name = unique("tags");
    await createGroup(name);
    const arn = `arn:aws:logs:${REGION}:${A}:log-group:${name}`;
    expect(await failure(tags.listTagsForResource(A, REGION, { resourceArn: `${arn}:*` }))).toMatchObject({
      code: "ValidationException",
      message: "Invalid resourceArn",
    });
    // Started at once and each handled as it settles (awaiting them in turn can leave a rejection unhandled for a moment).
    const failures = await Promise.all(
      [
        tags.listTagsForResource(B, REGION, { resourceArn: arn }),
        tags.tagResource(B, REGION, { resourceArn: arn, tags: { x: "y" } }),
        tags.untagResource(B, REGION, { resourceArn: arn, tagKeys: ["x"] }),
        tags.listTagsLogGroup(B, REGION, { logGroupName: name }),
        tags.tagLogGroup(B, REGION, { logGroupName: name, tags: { x: "y" } }),
        tags.listTagsForResource(A, REGION, { resourceArn: `arn:aws:logs:${REGION}:${A}:log-group:${unique("missing")}` }),
      ].map(failure),
    );
    for (const f of failures) expect(f).toMatchObject({ code: "ResourceNotFoundException", message: "The specified log group does not exist." });
    expect((await tags.listTagsLogGroup(A, REGION, { logGroupName: name })).tags).toEqual({});
  });
});

describe("account isolation", () => {
  it("one account never sees, changes or deletes another's groups and streams", async () => {
    const name = unique("shared-name");
    await createGroup(name, {}, A);
    await createStream(name, "s", A);
    expect((await describeGroups({ logGroupNamePrefix: name }, B)).logGroups).toEqual([]);
    expect((await failure(describeStreams({ logGroupName: name }, B))).code).toBe("ResourceNotFoundException");
    expect((await failure(groups.deleteLogGroup(B, REGION, { logGroupName: name }))).code).toBe("ResourceNotFoundException");
    expect((await failure(streams.deleteLogStream(B, REGION, { logGroupName: name, logStreamName: "s" }))).code).toBe("ResourceNotFoundException");
    expect((await failure(groups.putRetentionPolicy(B, REGION, { logGroupName: name, retentionInDays: 1 }))).code).toBe("ResourceNotFoundException");
    // the same name is free in the other account
    await createGroup(name, {}, B);
    expect((await describeStreams({ logGroupName: name }, B)).logStreams).toEqual([]);
    expect((await describeStreams({ logGroupName: name }, A)).logStreams!.map((s) => s.logStreamName)).toEqual(["s"]);
    expect((await describeGroups({ logGroupNamePrefix: name }, B)).logGroups![0].arn).toBe(`arn:aws:logs:${REGION}:${B}:log-group:${name}:*`);
  });
});
