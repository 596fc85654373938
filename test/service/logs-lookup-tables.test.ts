/**
 * Lookup tables end to end: CreateLookupTable / UpdateLookupTable /
 * GetLookupTable / DescribeLookupTables / DeleteLookupTable with the AWS SDK
 * for JavaScript and the pip aws CLI (Debian's aws CLI 2.9 predates these
 * operations), their errors, the `lookup` command through StartQuery /
 * GetQueryResults (SDK and Debian's aws CLI), a table made from a query's
 * results (queryId), and tenancy.
 *
 * AWS's behaviour pinned here: the ARN `arn:aws:logs:{region}:{account}:lookup-table:{name}`
 * (Service Authorization Reference, CloudWatch Logs resource types); output
 * members and errors as the logs-2014-03-28 model declares them; "either
 * tableBody or queryId, but not both" and "a completed or cancelled query" (API
 * reference, CreateLookupTable); 100 tables per account and Region (user
 * guide, CWL_QuerySyntax-Lookup.html). Error messages are this service's
 * where AWS's pages do not quote one.
 */
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  CreateLookupTableCommand,
  DeleteLookupTableCommand,
  DescribeLookupTablesCommand,
  GetLookupTableCommand,
  GetQueryResultsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  PutLogEventsCommand,
  StartQueryCommand,
  UpdateLookupTableCommand,
  type CloudWatchLogsClient,
  type GetQueryResultsResponse,
  type ResultField,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsFailure as failure } from "../support/failure.js";
import { awsCli, logsClient, startStack, type Account, type CliResult, type Stack } from "../support/stack.js";

let stack: Stack;
let logs: CloudWatchLogsClient;
let other: CloudWatchLogsClient;
let account: string;
let otherAccount: string;
const REGION = "us-east-1";
const GROUP = `/lookup/${Date.now().toString(36)}`;
const T0 = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
const START = T0 / 1000 - 60;
const END = T0 / 1000 + 3600;
const USERS = "id,name,team\nalice,Alice Liddell,ops\nbob,Bob Builder,payments\n";
const EVENTS = [
  { user: "alice", status: 200 },
  { user: "bob", status: 500 },
  { user: "carol", status: 200 },
  { user: "alice", status: 404 },
].map((b, i) => ({ timestamp: T0 + i * 1000, message: JSON.stringify(b) }));

const arnOf = (acct: string, name: string) => `arn:aws:logs:${REGION}:${acct}:lookup-table:${name}`;

async function waitForQuery(queryId: string, client = logs): Promise<GetQueryResultsResponse> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out = await client.send(new GetQueryResultsCommand({ queryId }));
    if (out.status !== "Scheduled" && out.status !== "Running") return out;
    if (Date.now() > deadline) throw new Error(`query ${queryId} still ${out.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function query(queryString: string, client = logs) {
  const { queryId } = await client.send(new StartQueryCommand({ logGroupName: GROUP, startTime: START, endTime: END, queryString }));
  return { queryId: queryId!, ...(await waitForQuery(queryId!, client)) };
}

const asObjects = (rows: ResultField[][] | undefined) =>
  (rows ?? []).map((r) => Object.fromEntries(r.filter((f) => f.field !== "@ptr").map((f) => [f.field!, f.value!])));

/** The pip aws CLI on the PATH (botocore 1.43): it knows the lookup-table commands. */
function pipCli(args: string[], acct: Account = 0): Promise<CliResult> {
  const cred = stack.credentials[acct];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: tmpdir(),
    AWS_ACCESS_KEY_ID: cred.accessKeyId,
    AWS_SECRET_ACCESS_KEY: cred.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_PAGER: "",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_MAX_ATTEMPTS: "1",
  };
  return new Promise((resolve, reject) => {
    const proc = spawn("aws", [...args, "--endpoint-url", stack.endpoint, "--output", "json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    proc.once("error", reject);
    proc.once("close", (code) => {
      let json: any;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

beforeAll(async () => {
  stack = await startStack();
  logs = logsClient(stack, { account: 0 });
  other = logsClient(stack, { account: 1 });
  account = stack.credentials[0].accountId;
  otherAccount = stack.credentials[1].accountId;
  for (const client of [logs, other]) {
    await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await client.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: "s" }));
    await client.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: "s", logEvents: EVENTS }));
  }
}, 180_000);

afterAll(async () => {
  logs?.destroy();
  other?.destroy();
  await stack?.stop();
});

describe("lookup tables through the API (AWS SDK for JavaScript)", () => {
  it("CreateLookupTable answers the table's ARN and creation time; GetLookupTable gives the body back with its size", async () => {
    const before = Date.now();
    const created = await logs.send(new CreateLookupTableCommand({ lookupTableName: "crud_users", description: "who is who", tableBody: USERS, tags: { team: "ops" } }));
    expect(created.lookupTableArn).toBe(arnOf(account, "crud_users"));
    expect(created.createdAt).toBeGreaterThanOrEqual(before - 1000);
    const got = await logs.send(new GetLookupTableCommand({ lookupTableArn: created.lookupTableArn }));
    expect(got).toMatchObject({
      lookupTableArn: created.lookupTableArn,
      lookupTableName: "crud_users",
      description: "who is who",
      tableBody: USERS,
      sizeBytes: Buffer.byteLength(USERS),
      lastUpdatedTime: created.createdAt,
    });
  });

  it("keeps CreateLookupTable's tags, which TagResource / UntagResource / ListTagsForResource change and read by the table's ARN", async () => {
    const arn = arnOf(account, "crud_users");
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ team: "ops" });
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: "prod" } }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["team"] }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ env: "prod" });
    expect((await failure(other.send(new ListTagsForResourceCommand({ resourceArn: arn })))).name).toBe("ResourceNotFoundException");
    expect((await failure(logs.send(new TagResourceCommand({ resourceArn: arnOf(account, "nope"), tags: { a: "b" } })))).name).toBe("ResourceNotFoundException");
  });

  it("DescribeLookupTables lists by name prefix with fields and counts, a page at a time", async () => {
    await logs.send(new CreateLookupTableCommand({ lookupTableName: "crud_codes", tableBody: "code,reason\n200,OK\n" }));
    const all = await logs.send(new DescribeLookupTablesCommand({ lookupTableNamePrefix: "crud_" }));
    expect(all.lookupTables!.map((t) => t.lookupTableName)).toEqual(["crud_codes", "crud_users"]);
    expect(all.lookupTables![1]).toMatchObject({
      lookupTableArn: arnOf(account, "crud_users"),
      description: "who is who",
      tableFields: ["id", "name", "team"],
      recordsCount: 2,
      sizeBytes: Buffer.byteLength(USERS),
    });
    const first = await logs.send(new DescribeLookupTablesCommand({ lookupTableNamePrefix: "crud_", maxResults: 1 }));
    expect(first.lookupTables!.map((t) => t.lookupTableName)).toEqual(["crud_codes"]);
    const second = await logs.send(new DescribeLookupTablesCommand({ lookupTableNamePrefix: "crud_", maxResults: 1, nextToken: first.nextToken }));
    expect(second.lookupTables!.map((t) => t.lookupTableName)).toEqual(["crud_users"]);
    expect(second.nextToken).toBeUndefined();
  });

  it("UpdateLookupTable replaces the body (and description), and a query sees the new rows", async () => {
    const arn = arnOf(account, "crud_codes");
    const before = (await logs.send(new GetLookupTableCommand({ lookupTableArn: arn }))).lastUpdatedTime!;
    const updated = await logs.send(new UpdateLookupTableCommand({ lookupTableArn: arn, description: "HTTP", tableBody: "code,reason\n404,Not Found\n500,Server Error\n" }));
    expect(updated.lookupTableArn).toBe(arn);
    expect(updated.lastUpdatedTime).toBeGreaterThanOrEqual(before);
    const listed = await logs.send(new DescribeLookupTablesCommand({ lookupTableNamePrefix: "crud_codes" }));
    expect(listed.lookupTables![0]).toMatchObject({ description: "HTTP", recordsCount: 2, tableFields: ["code", "reason"] });
    const out = await query("lookup crud_codes code as status OUTPUT reason | filter ispresent(reason) | fields status, reason | sort @timestamp");
    expect(asObjects(out.results)).toEqual([{ status: "500", reason: "Server Error" }, { status: "404", reason: "Not Found" }]);
  }, 90_000);

  it("DeleteLookupTable removes it: Get then answers ResourceNotFoundException, and a query naming it too", async () => {
    const arn = arnOf(account, "crud_codes");
    await logs.send(new DeleteLookupTableCommand({ lookupTableArn: arn }));
    expect((await failure(logs.send(new GetLookupTableCommand({ lookupTableArn: arn })))).name).toBe("ResourceNotFoundException");
    expect((await failure(logs.send(new DeleteLookupTableCommand({ lookupTableArn: arn })))).name).toBe("ResourceNotFoundException");
    const f = await failure(logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: START, endTime: END, queryString: "lookup crud_codes code as status OUTPUT reason" })));
    expect(f.name).toBe("ResourceNotFoundException");
    expect(f.message).toBe("Lookup table crud_codes does not exist.");
  });

  it("a table made from a completed query's results (queryId) holds its rows as CSV", async () => {
    const q = await query("stats count(*) as n by user | sort user");
    expect(q.status).toBe("Complete");
    const created = await logs.send(new CreateLookupTableCommand({ lookupTableName: "from_query", queryId: q.queryId }));
    const got = await logs.send(new GetLookupTableCommand({ lookupTableArn: created.lookupTableArn }));
    expect(got.tableBody).toBe("user,n\nalice,2\nbob,1\ncarol,1\n");
    const joined = await query("lookup from_query user OUTPUT n | filter status = 200 | fields user, n | sort @timestamp");
    expect(asObjects(joined.results)).toEqual([{ user: "alice", n: "2" }, { user: "carol", n: "1" }]);
  }, 120_000);
});

describe("the lookup command through StartQuery / GetQueryResults", () => {
  beforeAll(async () => {
    await logs.send(new CreateLookupTableCommand({ lookupTableName: "users", tableBody: USERS }));
  });

  it("joins each event to its table row and shows the OUTPUT fields (AWS SDK for JavaScript)", async () => {
    const out = await query("lookup users id as user OUTPUT name, team | fields user, name, team | sort @timestamp");
    expect(out.status).toBe("Complete");
    expect(asObjects(out.results)).toEqual([
      { user: "alice", name: "Alice Liddell", team: "ops" },
      { user: "bob", name: "Bob Builder", team: "payments" },
      { user: "carol" },
      { user: "alice", name: "Alice Liddell", team: "ops" },
    ]);
  }, 90_000);

  it("answers the same through Debian's aws CLI (start-query, get-query-results)", async () => {
    const queryString = "lookup users id as user OUTPUT team | stats count(*) as n by team | filter ispresent(team) | sort team";
    const started = await awsCli(stack, ["logs", "start-query", "--log-group-name", GROUP, "--start-time", String(START), "--end-time", String(END), "--query-string", queryString]);
    expect(started.code, started.stderr).toBe(0);
    const deadline = Date.now() + 60_000;
    let out: any;
    do {
      out = (await awsCli(stack, ["logs", "get-query-results", "--query-id", started.json.queryId])).json;
    } while ((out.status === "Running" || out.status === "Scheduled") && Date.now() < deadline);
    expect(out.status).toBe("Complete");
    expect(asObjects(out.results)).toEqual([{ team: "ops", n: "2" }, { team: "payments", n: "1" }]);
  }, 150_000);

  it("a field the table lacks: InvalidParameterException naming it", async () => {
    const f = await failure(logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: START, endTime: END, queryString: "lookup users id as user OUTPUT email" })));
    expect(f.name).toBe("InvalidParameterException");
    expect(f.message).toBe("Lookup table users has no field email.");
  });

  it("a malformed lookup: MalformedQueryException at the token", async () => {
    const f = await failure(logs.send(new StartQueryCommand({ logGroupName: GROUP, startTime: START, endTime: END, queryString: "lookup users id as user" })));
    expect(f.name).toBe("MalformedQueryException");
    expect(f.error.queryCompileError.location.startCharOffset).toBe(23);
  });
});

describe("bad requests", () => {
  it.each([
    ["a name outside ^[a-zA-Z0-9_]+$", { lookupTableName: "bad-name", tableBody: USERS }, "InvalidParameterException", /lookupTableName/],
    ["neither tableBody nor queryId", { lookupTableName: "t1" }, "InvalidParameterException", /^You must specify either tableBody or queryId, but not both\.$/],
    ["both tableBody and queryId", { lookupTableName: "t1", tableBody: USERS, queryId: "00000000-0000-4000-8000-000000000000" }, "InvalidParameterException", /either tableBody or queryId/],
    ["a column named twice", { lookupTableName: "t1", tableBody: "id,id\n1,2\n" }, "InvalidParameterException", /names column 'id' more than once/],
    ["a row of another width", { lookupTableName: "t1", tableBody: "id,name\n1\n" }, "InvalidParameterException", /row 2 has 1 fields; the header row has 2/],
    ["an unknown queryId", { lookupTableName: "t1", queryId: "00000000-0000-4000-8000-000000000000" }, "ResourceNotFoundException", /does not exist/],
    ["a description over 1024 characters", { lookupTableName: "t1", tableBody: USERS, description: "d".repeat(1025) }, "InvalidParameterException", /description/],
  ])("CreateLookupTable with %s: %s", async (_, input, code, message) => {
    const f = await failure(logs.send(new CreateLookupTableCommand(input as any)));
    expect(f.name).toBe(code);
    expect(f.message).toMatch(message);
  });

  it("a name already used: ResourceAlreadyExistsException", async () => {
    await logs.send(new CreateLookupTableCommand({ lookupTableName: "dup", tableBody: USERS }));
    const f = await failure(logs.send(new CreateLookupTableCommand({ lookupTableName: "dup", tableBody: USERS })));
    expect(f.name).toBe("ResourceAlreadyExistsException");
  });

  it.each([
    ["not an ARN", "users", "InvalidParameterException"],
    ["a log group's ARN", `arn:aws:logs:${REGION}:000000000000:log-group:x`, "InvalidParameterException"],
    ["another region's table", `arn:aws:logs:eu-west-1:ACCOUNT:lookup-table:users`, "ResourceNotFoundException"],
    ["a table that does not exist", `arn:aws:logs:${REGION}:ACCOUNT:lookup-table:nope`, "ResourceNotFoundException"],
  ])("GetLookupTable with %s: %s", async (_, arn, code) => {
    const f = await failure(logs.send(new GetLookupTableCommand({ lookupTableArn: arn.replace("ACCOUNT", account) })));
    expect(f.name).toBe(code);
  });
});

describe("the pip aws CLI (botocore 1.43)", () => {
  it("creates, describes, gets and deletes a table", async () => {
    const created = await pipCli(["logs", "create-lookup-table", "--lookup-table-name", "cli_table", "--table-body", "k,v\na,1\n"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json.lookupTableArn).toBe(arnOf(account, "cli_table"));
    const listed = await pipCli(["logs", "describe-lookup-tables", "--lookup-table-name-prefix", "cli_"]);
    expect(listed.json.lookupTables.map((t: any) => [t.lookupTableName, t.recordsCount, t.tableFields])).toEqual([["cli_table", 1, ["k", "v"]]]);
    const got = await pipCli(["logs", "get-lookup-table", "--lookup-table-arn", created.json.lookupTableArn]);
    expect(got.json.tableBody).toBe("k,v\na,1\n");
    expect((await pipCli(["logs", "delete-lookup-table", "--lookup-table-arn", created.json.lookupTableArn])).code).toBe(0);
    const gone = await pipCli(["logs", "get-lookup-table", "--lookup-table-arn", created.json.lookupTableArn]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("ResourceNotFoundException");
  }, 120_000);
});

describe("tenancy", () => {
  it("another account neither sees nor uses a table, and its own table of the same name is its own", async () => {
    await logs.send(new CreateLookupTableCommand({ lookupTableName: "mine", tableBody: "id,owner\nalice,A\n" }));
    const theirArn = arnOf(account, "mine");
    // All three at once, each rejection handled as it comes (awaiting them in turn left one unhandled for a moment).
    const errors = await Promise.all(
      [
        other.send(new GetLookupTableCommand({ lookupTableArn: theirArn })),
        other.send(new DeleteLookupTableCommand({ lookupTableArn: theirArn })),
        other.send(new UpdateLookupTableCommand({ lookupTableArn: theirArn, tableBody: "x\n1\n" })),
      ].map(failure),
    );
    expect(errors.map((e) => e.name)).toEqual(["ResourceNotFoundException", "ResourceNotFoundException", "ResourceNotFoundException"]);
    expect((await other.send(new DescribeLookupTablesCommand({}))).lookupTables).toEqual([]);
    const f = await failure(other.send(new StartQueryCommand({ logGroupName: GROUP, startTime: START, endTime: END, queryString: "lookup mine id as user OUTPUT owner" })));
    expect(f.name).toBe("ResourceNotFoundException");

    await other.send(new CreateLookupTableCommand({ lookupTableName: "mine", tableBody: "id,owner\nalice,B\n" }));
    const theirs = await query("lookup mine id as user OUTPUT owner | filter ispresent(owner) | stats count(*) as n by owner", other);
    expect(asObjects(theirs.results)).toEqual([{ owner: "B", n: "2" }]);
    const ours = await query("lookup mine id as user OUTPUT owner | filter ispresent(owner) | stats count(*) as n by owner");
    expect(asObjects(ours.results)).toEqual([{ owner: "A", n: "2" }]);
    expect((await logs.send(new GetLookupTableCommand({ lookupTableArn: theirArn }))).tableBody).toBe("id,owner\nalice,A\n");
    expect(otherAccount).not.toBe(account);
  }, 120_000);

  it("allows 100 tables per account and Region: the 101st answers LimitExceededException", async () => {
    const have = (await other.send(new DescribeLookupTablesCommand({}))).lookupTables!.length;
    for (let i = have; i < 100; i += 10)
      await Promise.all(Array.from({ length: Math.min(10, 100 - i) }, (_, j) => other.send(new CreateLookupTableCommand({ lookupTableName: `q_${i + j}`, tableBody: "a\n1\n" }))));
    const f = await failure(other.send(new CreateLookupTableCommand({ lookupTableName: "one_too_many", tableBody: "a\n1\n" })));
    expect(f.name).toBe("LimitExceededException");
    // The first account's count is its own.
    await logs.send(new CreateLookupTableCommand({ lookupTableName: "one_more_here", tableBody: "a\n1\n" }));
  }, 180_000);
});
