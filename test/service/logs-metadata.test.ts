/**
 * CloudWatch Logs log groups and streams end to end: the real HTTP endpoint,
 * real SigV4, real nats-server, driven by the AWS SDK for JavaScript
 * (awsJson1_1) and by Debian's aws CLI.
 */
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
  paginateDescribeLogGroups,
  paginateDescribeLogStreams,
  CloudWatchLogsClient,
  type LogGroup,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, logsClient, startStack, type Stack } from "../support/stack.js";
import { awsFailure as failure } from "../support/failure.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let accountA: string;
let accountB: string;
const REGION = "us-east-1";

/** A run-unique prefix keeps tests apart in a shared stack. */
const RUN = `/it/${Date.now().toString(36)}`;
let n = 0;
const unique = (what: string) => `${RUN}/${what}-${++n}`;

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  other = logsClient(stack, { account: 1 });
  accountA = stack.credentials[0].accountId;
  accountB = stack.credentials[1].accountId;
}, 120_000);

afterAll(async () => {
  logs?.destroy();
  other?.destroy();
  await stack?.stop();
});

const createGroup = (name: string, extra: Record<string, unknown> = {}, client = logs) =>
  client.send(new CreateLogGroupCommand({ logGroupName: name, ...extra }));
const describeGroup = async (name: string, client = logs): Promise<LogGroup | undefined> =>
  (await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups?.find((g) => g.logGroupName === name);

describe("log groups", () => {
  it("CreateLogGroup, DescribeLogGroups, DeleteLogGroup", async () => {
    const name = unique("app");
    const before = Date.now();
    await createGroup(name);
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
    expect(out.nextToken).toBeUndefined();
    expect(out.logGroups).toEqual([
      {
        logGroupName: name,
        creationTime: expect.any(Number),
        metricFilterCount: 0,
        arn: `arn:aws:logs:${REGION}:${accountA}:log-group:${name}:*`,
        storedBytes: 0,
        logGroupClass: "STANDARD",
        logGroupArn: `arn:aws:logs:${REGION}:${accountA}:log-group:${name}`,
        deletionProtectionEnabled: false,
      },
    ]);
    expect(out.logGroups![0].creationTime).toBeGreaterThanOrEqual(before - 1000);

    await logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
    expect(await describeGroup(name)).toBeUndefined();
    expect(await failure(logs.send(new DeleteLogGroupCommand({ logGroupName: name })))).toMatchObject({
      name: "ResourceNotFoundException",
      status: 400,
      message: "The specified log group does not exist.",
    });
  });

  it("keeps kmsKeyId, class and tags given at creation", async () => {
    const name = unique("kms");
    const kmsKeyId = `arn:aws:kms:${REGION}:${accountA}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    await createGroup(name, { kmsKeyId, logGroupClass: "INFREQUENT_ACCESS", tags: { env: "testing" } });
    expect(await describeGroup(name)).toMatchObject({ kmsKeyId, logGroupClass: "INFREQUENT_ACCESS" });
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags).toEqual({ env: "testing" });
  });

  it("refuses a duplicate with ResourceAlreadyExistsException", async () => {
    const name = unique("dup");
    await createGroup(name);
    expect(await failure(createGroup(name))).toMatchObject({
      name: "ResourceAlreadyExistsException",
      status: 400,
      message: "The specified log group already exists",
    });
  });

  it("exactly one of concurrent creators of a name wins", async () => {
    const name = unique("race");
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => createGroup(name)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.name),
    ).toEqual(Array(7).fill("ResourceAlreadyExistsException"));
  });

  it("validates names with AWS's messages", async () => {
    expect(await failure(createGroup(`${RUN}/bad name`))).toMatchObject({
      name: "InvalidParameterException",
      status: 400,
      message: `1 validation error detected: Value '${RUN}/bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
    });
    expect((await failure(createGroup("x".repeat(513)))).message).toBe(
      "Invalid LogGroup or LogStream, both must have length less than or equal to 512.",
    );
    expect((await failure(createGroup("aws/reserved"))).message).toBe("Log groups starting with AWS/ are reserved for AWS.");
    expect(await failure(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "a", logGroupNamePattern: "a" })))).toMatchObject({
      name: "InvalidParameterException",
      message: "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
    });
    expect((await failure(logs.send(new DescribeLogGroupsCommand({ limit: 51 })))).message).toBe(
      "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
    );
    expect(await failure(logs.send(new DescribeLogGroupsCommand({ nextToken: "not-a-token" })))).toMatchObject({
      name: "InvalidParameterException",
      message: "The specified nextToken is invalid.",
    });
  });

  it("pages through groups sorted by name", async () => {
    const base = unique("paged");
    const names = ["d", "a", "C", "b/1", "b.2", "e#", "f_", "g-"].map((s) => `${base}/${s}`);
    for (const name of names) await createGroup(name);
    const pages: string[][] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 3 }, { logGroupNamePrefix: `${base}/` })) {
      pages.push(page.logGroups!.map((g) => g.logGroupName!));
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual([...names].sort());

    // pattern: a case-sensitive substring search, answered with fewer fields
    const byPattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: `${base}/b` }));
    expect(byPattern.logGroups!.map((g) => g.logGroupName)).toEqual([`${base}/b.2`, `${base}/b/1`]);
    expect(byPattern.logGroups![0]).not.toHaveProperty("storedBytes");
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: `${base}/c` }))).logGroups).toEqual([]);
  });

  it("PutRetentionPolicy and DeleteRetentionPolicy", async () => {
    const name = unique("retention");
    await createGroup(name);
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 7 }));
    expect((await describeGroup(name))!.retentionInDays).toBe(7);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: name }));
    expect(await describeGroup(name)).not.toHaveProperty("retentionInDays");

    expect(await failure(logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 2 })))).toMatchObject({
      name: "InvalidParameterException",
      status: 400,
      message:
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
    });
    expect(
      (await failure(logs.send(new PutRetentionPolicyCommand({ logGroupName: unique("missing"), retentionInDays: 1 })))).name,
    ).toBe("ResourceNotFoundException");
    expect((await failure(logs.send(new DeleteRetentionPolicyCommand({ logGroupName: unique("missing") })))).name).toBe(
      "ResourceNotFoundException",
    );
  });
});

describe("log streams", () => {
  it("CreateLogStream, DescribeLogStreams, DeleteLogStream", async () => {
    const group = unique("streams");
    await createGroup(group);
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "2024/01/01/[$LATEST]abc" }));
    const out = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    expect(out.logStreams).toEqual([
      {
        logStreamName: "2024/01/01/[$LATEST]abc",
        creationTime: expect.any(Number),
        arn: `arn:aws:logs:${REGION}:${accountA}:log-group:${group}:log-stream:2024/01/01/[$LATEST]abc`,
        storedBytes: 0,
      },
    ]);
    const arn = `arn:aws:logs:${REGION}:${accountA}:log-group:${group}`;
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: arn }))).logStreams).toEqual(out.logStreams);

    await logs.send(new DeleteLogStreamCommand({ logGroupName: group, logStreamName: "2024/01/01/[$LATEST]abc" }));
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams).toEqual([]);
  });

  // getmoto/moto tests/test_logs/test_logs.py (aws_verified): DescribeLogGroups' `arn`, which ends in
  // ':*', is refused as logGroupIdentifier by the identifier's pattern.
  it("refuses a log group ARN ending in ':*' as logGroupIdentifier", async () => {
    const group = unique("wildcard");
    await createGroup(group);
    const { arn, logGroupArn } = (await describeGroup(group))!;
    expect(arn).toBe(`${logGroupArn}:*`);
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: logGroupArn }))).logStreams).toEqual([]);
    const f = await failure(logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: arn })));
    expect(f).toMatchObject({ name: "InvalidParameterException", status: 400 });
    expect(f.message).toBe(
      // AWS does not echo the value (moto's AWS-verified tests/test_logs/test_logs.py test_arn_formats_log_group_and_stream).
      `1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w#+=/:,.@-]*`,
    );
  });

  it("names the partition of the caller's region in ARNs", async () => {
    const cn = new CloudWatchLogsClient({
      endpoint: stack.endpoint,
      region: "cn-north-1",
      maxAttempts: 1,
      credentials: { accessKeyId: stack.credentials[0].accessKeyId, secretAccessKey: stack.credentials[0].secretAccessKey },
    });
    try {
      const group = unique("cn");
      await createGroup(group, {}, cn);
      await cn.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
      const base = `arn:aws-cn:logs:cn-north-1:${accountA}:log-group:${group}`;
      expect(await describeGroup(group, cn)).toMatchObject({ arn: `${base}:*`, logGroupArn: base });
      expect((await cn.send(new DescribeLogStreamsCommand({ logGroupIdentifier: base }))).logStreams![0].arn).toBe(`${base}:log-stream:s`);
    } finally {
      cn.destroy();
    }
  });

  it("errors: duplicate, missing group or stream, bad names, bad combinations", async () => {
    const group = unique("stream-errors");
    await createGroup(group);
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
    expect(await failure(logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" })))).toMatchObject({
      name: "ResourceAlreadyExistsException",
      status: 400,
      message: "The specified log stream already exists",
    });
    expect(await failure(logs.send(new CreateLogStreamCommand({ logGroupName: unique("none"), logStreamName: "s" })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
    expect(await failure(logs.send(new DeleteLogStreamCommand({ logGroupName: group, logStreamName: "absent" })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log stream does not exist.",
    });
    expect((await failure(logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "a:b" })))).message).toBe(
      "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*",
    );
    expect(
      await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: "LastEventTime", logStreamNamePrefix: "s" }))),
    ).toMatchObject({ name: "InvalidParameterException", message: "Cannot order by LastEventTime with a logStreamNamePrefix." });
    expect(await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logGroupIdentifier: group })))).toMatchObject({
      name: "ValidationException",
      status: 400,
      message: "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    });
    expect((await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 0 })))).name).toBe(
      "InvalidParameterException",
    );
  });

  it("pages through streams by name, ascending and descending", async () => {
    const group = unique("stream-pages");
    await createGroup(group);
    const names = ["e", "b", "a", "d", "c", "ü", "Z"];
    for (const s of names) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
    const collect = async (input: Record<string, unknown>) => {
      const pages: string[][] = [];
      for await (const page of paginateDescribeLogStreams({ client: logs, pageSize: 2 }, { logGroupName: group, ...input })) {
        pages.push(page.logStreams!.map((s) => s.logStreamName!));
      }
      return pages;
    };
    const up = await collect({});
    expect(up.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(up.flat()).toEqual(["Z", "a", "b", "c", "d", "e", "ü"]);
    expect((await collect({ descending: true })).flat()).toEqual(["ü", "e", "d", "c", "b", "a", "Z"]);
    expect((await collect({ logStreamNamePrefix: "c" })).flat()).toEqual(["c"]);
    // LastEventTime order: no events yet, so all tie and fall back to names
    expect((await collect({ orderBy: "LastEventTime" })).flat()).toEqual(["Z", "a", "b", "c", "d", "e", "ü"]);
  });

  it("DeleteLogGroup deletes the group's streams", async () => {
    const group = unique("cascade");
    await createGroup(group);
    for (const s of ["s1", "s2"]) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: group }));
    expect((await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: group })))).message).toBe(
      "The specified log group does not exist.",
    );
    await createGroup(group);
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams).toEqual([]);
  });
});

describe("tags", () => {
  it("by name and by ARN, on one tag map", async () => {
    const name = unique("tags");
    const arn = `arn:aws:logs:${REGION}:${accountA}:log-group:${name}`;
    await createGroup(name, { tags: { env: "testing1" } });
    expect((await describeGroup(name))!.logGroupArn).toBe(arn);
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { test1: "val1", test2: "val2" } }));
    const afterTag = { env: "testing1", test1: "val1", test2: "val2" };
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags).toEqual(afterTag);
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual(afterTag);
    await logs.send(new TagLogGroupCommand({ logGroupName: name, tags: { test3: "val3" } }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ ...afterTag, test3: "val3" });
    await logs.send(new UntagLogGroupCommand({ logGroupName: name, tags: ["test3"] }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["env", "test1"] }));
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags).toEqual({ test2: "val2" });
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ test2: "val2" });
  });

  it("errors: too many tags, bad tags, the ':*' ARN, missing groups", async () => {
    const name = unique("tag-errors");
    const arn = `arn:aws:logs:${REGION}:${accountA}:log-group:${name}`;
    await createGroup(name, { tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"])) });
    const tooMany = await failure(logs.send(new TagResourceCommand({ resourceArn: arn, tags: { k50: "v" } })));
    expect(tooMany).toMatchObject({ name: "TooManyTagsException", status: 400, message: "A resource can have no more than 50 tags." });
    expect(tooMany.error.resourceName).toBe(arn);
    expect((await failure(logs.send(new TagResourceCommand({ resourceArn: arn, tags: { k0: "bad*value" } })))).message).toMatch(
      /^1 validation error detected: Value '\{k0=bad\*value\}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint/,
    );
    expect(await failure(logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}:*` })))).toMatchObject({
      name: "ValidationException",
      status: 400,
      message: "Invalid resourceArn",
    });
    expect(await failure(logs.send(new ListTagsLogGroupCommand({ logGroupName: unique("none") })))).toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
  });
});

describe("account isolation", () => {
  it("account 1 cannot describe, tag or delete account 0's groups and streams", async () => {
    const name = unique("private");
    const arn = `arn:aws:logs:${REGION}:${accountA}:log-group:${name}`;
    await createGroup(name, { tags: { owner: "a" } });
    await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: "s" }));

    expect(await describeGroup(name, other)).toBeUndefined();
    expect((await other.send(new DescribeLogGroupsCommand({ logGroupNamePattern: name }))).logGroups).toEqual([]);
    for (const call of [
      () => other.send(new DescribeLogStreamsCommand({ logGroupName: name })),
      () => other.send(new DescribeLogStreamsCommand({ logGroupIdentifier: arn })),
      () => other.send(new DeleteLogGroupCommand({ logGroupName: name })),
      () => other.send(new DeleteLogStreamCommand({ logGroupName: name, logStreamName: "s" })),
      () => other.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 1 })),
      () => other.send(new TagLogGroupCommand({ logGroupName: name, tags: { owner: "b" } })),
      () => other.send(new TagResourceCommand({ resourceArn: arn, tags: { owner: "b" } })),
      () => other.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["owner"] })),
      () => other.send(new ListTagsForResourceCommand({ resourceArn: arn })),
      () => other.send(new ListTagsLogGroupCommand({ logGroupName: name })),
    ]) {
      expect((await failure(call())).name).toBe("ResourceNotFoundException");
    }
    // untouched
    expect(await describeGroup(name)).not.toHaveProperty("retentionInDays");
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: name }))).tags).toEqual({ owner: "a" });
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: name }))).logStreams!.map((s) => s.logStreamName)).toEqual(["s"]);

    // the same name is the other account's own, separate group
    await createGroup(name, {}, other);
    expect((await describeGroup(name, other))!.arn).toBe(`arn:aws:logs:${REGION}:${accountB}:log-group:${name}:*`);
    expect((await other.send(new DescribeLogStreamsCommand({ logGroupName: name }))).logStreams).toEqual([]);
  });
});

describe("aws CLI", () => {
  it("creates, describes, tags and deletes", async () => {
    const name = unique("cli");
    const created = await awsCli(stack, ["logs", "create-log-group", "--log-group-name", name, "--tags", "team=obs"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect((await awsCli(stack, ["logs", "create-log-stream", "--log-group-name", name, "--log-stream-name", "s1"])).code).toBe(0);
    expect((await awsCli(stack, ["logs", "put-retention-policy", "--log-group-name", name, "--retention-in-days", "30"])).code).toBe(0);

    const described = await awsCli(stack, ["logs", "describe-log-groups", "--log-group-name-prefix", name]);
    expect(described.code).toBe(0);
    expect(described.json.logGroups).toEqual([
      expect.objectContaining({
        logGroupName: name,
        retentionInDays: 30,
        arn: `arn:aws:logs:${REGION}:${accountA}:log-group:${name}:*`,
        storedBytes: 0,
      }),
    ]);
    const streams = await awsCli(stack, ["logs", "describe-log-streams", "--log-group-name", name]);
    expect(streams.json.logStreams.map((s: any) => s.logStreamName)).toEqual(["s1"]);
    const tagList = await awsCli(stack, ["logs", "list-tags-log-group", "--log-group-name", name]);
    expect(tagList.json).toEqual({ tags: { team: "obs" } });

    const dup = await awsCli(stack, ["logs", "create-log-group", "--log-group-name", name]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(
      /An error occurred \(ResourceAlreadyExistsException\) when calling the CreateLogGroup operation( \(reached max retries: 0\))?: The specified log group already exists/,
    );
    const bad = await awsCli(stack, ["logs", "put-retention-policy", "--log-group-name", name, "--retention-in-days", "2"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/\(InvalidParameterException\) when calling the PutRetentionPolicy operation.*: 1 validation error detected: Value '2' at 'retentionInDays'/);

    const other = await awsCli(stack, ["logs", "delete-log-group", "--log-group-name", name], { account: 1 });
    expect(other.stderr).toMatch(/\(ResourceNotFoundException\) when calling the DeleteLogGroup operation.*: The specified log group does not exist\./);
    expect((await awsCli(stack, ["logs", "delete-log-group", "--log-group-name", name])).code).toBe(0);
    expect((await awsCli(stack, ["logs", "describe-log-groups", "--log-group-name-prefix", name])).json).toEqual({ logGroups: [] });
  });

  it("paginates describe-log-groups across pages", async () => {
    const base = unique("cli-pages");
    for (let i = 0; i < 5; i++) await createGroup(`${base}/${i}`);
    const out = await awsCli(stack, ["logs", "describe-log-groups", "--log-group-name-prefix", `${base}/`, "--page-size", "2"]);
    expect(out.code).toBe(0);
    expect(out.json.logGroups.map((g: any) => g.logGroupName)).toEqual([0, 1, 2, 3, 4].map((i) => `${base}/${i}`));
  });
});
