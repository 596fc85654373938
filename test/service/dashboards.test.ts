/**
 * Dashboards end to end: the real HTTP endpoint, real SigV4, real nats-server,
 * driven by the AWS SDK for JavaScript in each of CloudWatch's three wire
 * protocols and by the aws CLI (awsQuery).
 */
import {
  DeleteDashboardsCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  PutDashboardCommand,
  paginateListDashboards,
  CloudWatchClient,
} from "@aws-sdk/client-cloudwatch";
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, cloudWatchClient, startStack, type Protocol, type Stack } from "../support/stack.js";
import { awsFailure } from "../support/failure.js";


let stack: Stack;

/** A run-unique prefix keeps tests apart in a shared stack. */
const RUN = `t${Date.now().toString(36)}`;

const BODY = JSON.stringify({
  widgets: [
    {
      type: "metric",
      x: 0,
      y: 0,
      width: 12,
      height: 6,
      properties: { metrics: [["AWS/EC2", "CPUUtilization", "InstanceId", "i-012345"]], region: "us-east-1", stat: "Average" },
    },
    { type: "text", x: 0, y: 7, width: 3, height: 3, properties: { markdown: "Hello world" } },
  ],
});
/** Stored, with a warning: an end without a start is ignored. */
const WARNED_BODY = JSON.stringify({ widgets: [], end: "2024-01-01T00:00:00.000Z" });
/** AWS's three errors for a metric widget with neither metrics nor an alarm annotation. */
const INVALID_BODY = JSON.stringify({ widgets: [{ type: "metric", x: 0, y: 0, width: 6, height: 6, properties: { region: "us-east-1" } }] });
const INVALID_MESSAGES = [
  { DataPath: "/widgets/0/properties", Message: "Should have required property 'metrics'" },
  {
    DataPath: "/widgets/0/properties",
    Message: "The metric widget should have specified a region and a data source or an alarm annotation",
  },
  { DataPath: "/widgets/0/properties", Message: "Should have required property 'annotations'" },
];

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** The caller's account id, from an ARN the service hands back. */
async function accountOf(client: CloudWatchClient, name: string): Promise<string> {
  const out = await client.send(new GetDashboardCommand({ DashboardName: name }));
  return /^arn:aws:cloudwatch::(\d{12}):dashboard\//.exec(out.DashboardArn!)![1];
}

describe.each<Protocol>(["json", "cbor", "query"])("dashboards over %s", (protocol) => {
  const p = `${RUN}-${protocol}`;
  let cw: CloudWatchClient;
  let other: CloudWatchClient;

  beforeAll(() => {
    cw = cloudWatchClient(stack, { protocol, account: 0 });
    other = cloudWatchClient(stack, { protocol, account: 1 });
  });

  it("puts, gets, lists and deletes a dashboard", async () => {
    const name = `${p}-main`;
    const put = await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: BODY }));
    expect(put.DashboardValidationMessages).toEqual([]);

    const got = await cw.send(new GetDashboardCommand({ DashboardName: name }));
    expect(got.DashboardName).toBe(name);
    expect(got.DashboardBody).toBe(BODY);
    expect(got.DashboardArn).toMatch(new RegExp(`^arn:aws:cloudwatch::\\d{12}:dashboard/${name}$`));

    const listed = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: name }));
    expect(listed.NextToken).toBeUndefined();
    expect(listed.DashboardEntries).toHaveLength(1);
    const [entry] = listed.DashboardEntries!;
    expect(entry.DashboardName).toBe(name);
    expect(entry.DashboardArn).toBe(got.DashboardArn);
    expect(entry.Size).toBe(Buffer.byteLength(BODY));
    expect(entry.LastModified).toBeInstanceOf(Date);
    expect(Math.abs(entry.LastModified!.getTime() - Date.now())).toBeLessThan(60_000);

    await cw.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
    const gone = await awsFailure(cw.send(new GetDashboardCommand({ DashboardName: name })));
    expect(gone).toMatchObject({ code: "ResourceNotFound", status: 404, message: `Dashboard ${name} does not exist` });
  });

  // An ARN names the partition of the caller's region (AWS's "Amazon Resource Names" page: aws-cn, aws-us-gov).
  it.each([
    ["cn-north-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["eu-west-1", "aws"],
  ])("names the partition of %s in the dashboard's ARN", async (region, partition) => {
    const name = `${p}-${region}`;
    const regional = new CloudWatchClient({
      endpoint: stack.endpoint,
      region,
      maxAttempts: 1,
      credentials: { accessKeyId: stack.credentials[0].accessKeyId, secretAccessKey: stack.credentials[0].secretAccessKey },
      ...(protocol === "cbor" ? { protocol: AwsSmithyRpcV2CborProtocol as any } : protocol === "query" ? { protocol: AwsQueryProtocol as any } : {}),
    });
    try {
      await regional.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: BODY }));
      const arn = `arn:${partition}:cloudwatch::${stack.credentials[0].accountId}:dashboard/${name}`;
      expect((await regional.send(new GetDashboardCommand({ DashboardName: name }))).DashboardArn).toBe(arn);
      expect((await regional.send(new ListDashboardsCommand({ DashboardNamePrefix: name }))).DashboardEntries!.map((e) => e.DashboardArn)).toEqual([arn]);
      await regional.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
    } finally {
      regional.destroy();
    }
  });

  it("replaces a dashboard on a second put", async () => {
    const name = `${p}-replaced`;
    await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: BODY }));
    await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: '{"widgets":[]}' }));
    expect((await cw.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody).toBe('{"widgets":[]}');
  });

  it("stores a dashboard with warnings and returns them", async () => {
    const name = `${p}-warned`;
    const put = await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: WARNED_BODY }));
    expect(put.DashboardValidationMessages).toEqual([{ DataPath: "/end", Message: expect.any(String) }]);
    expect((await cw.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody).toBe(WARNED_BODY);
  });

  it("rejects an invalid body with InvalidParameterInput and its validation messages", async () => {
    const f = await awsFailure(cw.send(new PutDashboardCommand({ DashboardName: `${p}-invalid`, DashboardBody: INVALID_BODY })));
    expect(f.code).toBe("InvalidParameterInput");
    expect(f.status).toBe(400);
    expect(f.message).toMatch(/^The dashboard body is invalid, there are 3 validation errors:/);
    expect(f.error.dashboardValidationMessages).toEqual(INVALID_MESSAGES);
    const nf = await awsFailure(cw.send(new GetDashboardCommand({ DashboardName: `${p}-invalid` })));
    expect(nf.code).toBe("ResourceNotFound");
  });

  it("rejects a body that is not a JSON object", async () => {
    const f = await awsFailure(cw.send(new PutDashboardCommand({ DashboardName: `${p}-notjson`, DashboardBody: "{widgets:" })));
    expect(f).toMatchObject({ code: "InvalidParameterInput", status: 400, message: "The field DashboardBody must be a valid JSON object" });
  });

  it("rejects a bad name with InvalidParameterValue, and a missing one with MissingParameter", async () => {
    const bad = await awsFailure(cw.send(new PutDashboardCommand({ DashboardName: "no spaces allowed", DashboardBody: BODY })));
    expect(bad.code).toBe("InvalidParameterValue");
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/^The value for field DashboardName contains invalid characters\./);
    const long = await awsFailure(cw.send(new PutDashboardCommand({ DashboardName: "a".repeat(256), DashboardBody: BODY })));
    expect(long.code).toBe("InvalidParameterValue");
    const missing = await awsFailure(cw.send(new PutDashboardCommand({ DashboardName: undefined, DashboardBody: BODY })));
    expect(missing).toMatchObject({ code: "MissingParameter", status: 400 });
  });

  it("deletes none if any is missing, naming the missing one", async () => {
    const keep = `${p}-keep`;
    await cw.send(new PutDashboardCommand({ DashboardName: keep, DashboardBody: BODY }));
    const f = await awsFailure(cw.send(new DeleteDashboardsCommand({ DashboardNames: [keep, `${p}-ghost`] })));
    expect(f).toMatchObject({ code: "ResourceNotFound", status: 404, message: `The specified dashboard does not exist. [${p}-ghost]` });
    expect((await cw.send(new GetDashboardCommand({ DashboardName: keep }))).DashboardBody).toBe(BODY);
  });

  it("needs at least one name to delete", async () => {
    const f = await awsFailure(cw.send(new DeleteDashboardsCommand({ DashboardNames: [] })));
    expect(f).toMatchObject({ code: "MissingParameter", status: 400 });
  });

  it("lists by prefix in name order and rejects a foreign NextToken", async () => {
    for (const n of ["c", "a", "b"]) await cw.send(new PutDashboardCommand({ DashboardName: `${p}-order-${n}`, DashboardBody: BODY }));
    const out = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: `${p}-order-` }));
    expect(out.DashboardEntries!.map((e) => e.DashboardName)).toEqual([`${p}-order-a`, `${p}-order-b`, `${p}-order-c`]);
    const f = await awsFailure(cw.send(new ListDashboardsCommand({ NextToken: "not-a-token" })));
    expect(f).toMatchObject({ code: "InvalidParameterValue", status: 400 });
  });

  it("keeps accounts apart: another account cannot get, list or delete them", async () => {
    const name = `${p}-private`;
    await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: BODY }));
    expect(await awsFailure(other.send(new GetDashboardCommand({ DashboardName: name })))).toMatchObject({ code: "ResourceNotFound" });
    expect((await other.send(new ListDashboardsCommand({ DashboardNamePrefix: name }))).DashboardEntries ?? []).toEqual([]);
    expect(await awsFailure(other.send(new DeleteDashboardsCommand({ DashboardNames: [name] })))).toMatchObject({
      code: "ResourceNotFound",
    });
    expect((await cw.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody).toBe(BODY);

    // The other account's dashboard of the same name is its own.
    await other.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: '{"widgets":[]}' }));
    expect((await cw.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody).toBe(BODY);
    expect(await accountOf(cw, name)).not.toBe(await accountOf(other, name));
    await other.send(new DeleteDashboardsCommand({ DashboardNames: [name] }));
    expect((await cw.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody).toBe(BODY);
  });
});

describe("ListDashboards pagination", () => {
  const prefix = `${RUN}-page-`;
  const names = Array.from({ length: 1003 }, (_, i) => `${prefix}${String(i).padStart(4, "0")}`);

  beforeAll(async () => {
    const cw = cloudWatchClient(stack, { protocol: "json", account: 1 });
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(
        names.slice(i, i + 25).map((n) => cw.send(new PutDashboardCommand({ DashboardName: n, DashboardBody: '{"widgets":[]}' }))),
      );
    }
  }, 180_000);

  it.each<Protocol>(["json", "cbor", "query"])("pages of 1000 with NextToken over %s", async (protocol) => {
    const cw = cloudWatchClient(stack, { protocol, account: 1 });
    const first = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: prefix }));
    expect(first.DashboardEntries).toHaveLength(1000);
    expect(first.NextToken).toEqual(expect.any(String));
    const seen: string[] = [];
    for await (const page of paginateListDashboards({ client: cw }, { DashboardNamePrefix: prefix })) {
      seen.push(...page.DashboardEntries!.map((e) => e.DashboardName!));
    }
    expect(seen).toEqual(names);
  }, 60_000);

  it("the aws CLI follows NextToken on its own", async () => {
    const res = await awsCli(stack, ["cloudwatch", "list-dashboards", "--dashboard-name-prefix", prefix], { account: 1 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json.DashboardEntries.map((e: { DashboardName: string }) => e.DashboardName)).toEqual(names);
  }, 60_000);
});

/** The CLI's error line (it adds the retry count, as AWS_MAX_ATTEMPTS is 1). */
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const cliError = (code: string, operation: string, message: string) =>
  new RegExp(
    `An error occurred \\(${code}\\) when calling the ${operation} operation( \\(reached max retries: \\d+\\))?: ${escapeRe(message)}`,
  );

describe("the aws CLI (awsQuery)", () => {
  const p = `${RUN}-cli`;
  const cli = (args: string[], account: 0 | 1 = 0) => awsCli(stack, ["cloudwatch", ...args], { account });

  it("puts, gets, lists and deletes a dashboard", async () => {
    const name = `${p}-main`;
    const put = await cli(["put-dashboard", "--dashboard-name", name, "--dashboard-body", BODY]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.json).toEqual({ DashboardValidationMessages: [] });

    const got = await cli(["get-dashboard", "--dashboard-name", name]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.json).toEqual({
      DashboardArn: expect.stringMatching(new RegExp(`^arn:aws:cloudwatch::\\d{12}:dashboard/${name}$`)),
      DashboardBody: BODY,
      DashboardName: name,
    });

    const listed = await cli(["list-dashboards", "--dashboard-name-prefix", name]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json.DashboardEntries).toEqual([
      { DashboardName: name, DashboardArn: got.json.DashboardArn, LastModified: expect.any(String), Size: Buffer.byteLength(BODY) },
    ]);
    expect(Math.abs(Date.parse(listed.json.DashboardEntries[0].LastModified) - Date.now())).toBeLessThan(60_000);

    const del = await cli(["delete-dashboards", "--dashboard-names", name]);
    expect(del.code, del.stderr).toBe(0);
    const gone = await cli(["get-dashboard", "--dashboard-name", name]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(cliError("ResourceNotFound", "GetDashboard", `Dashboard ${name} does not exist`));
  });

  it("prints warnings from put-dashboard", async () => {
    const put = await cli(["put-dashboard", "--dashboard-name", `${p}-warned`, "--dashboard-body", WARNED_BODY]);
    expect(put.code, put.stderr).toBe(0);
    expect(put.json.DashboardValidationMessages).toEqual([{ DataPath: "/end", Message: expect.any(String) }]);
  });

  it("reports an invalid body, a bad name and a missing dashboard", async () => {
    const invalid = await cli(["put-dashboard", "--dashboard-name", `${p}-invalid`, "--dashboard-body", INVALID_BODY]);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toMatch(
      cliError("InvalidParameterInput", "PutDashboard", "The dashboard body is invalid, there are 3 validation errors:\n["),
    );
    expect(invalid.stderr).toContain('"message": "Should have required property \'metrics\'"');

    const badName = await cli(["put-dashboard", "--dashboard-name", "bad name", "--dashboard-body", BODY]);
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toMatch(
      cliError("InvalidParameterValue", "PutDashboard", "The value for field DashboardName contains invalid characters."),
    );

    const del = await cli(["delete-dashboards", "--dashboard-names", `${p}-ghost`]);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toMatch(
      cliError("ResourceNotFound", "DeleteDashboards", `The specified dashboard does not exist. [${p}-ghost]`),
    );
  });

  it("keeps accounts apart", async () => {
    const name = `${p}-private`;
    expect((await cli(["put-dashboard", "--dashboard-name", name, "--dashboard-body", BODY], 0)).code).toBe(0);
    const get = await cli(["get-dashboard", "--dashboard-name", name], 1);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain("(ResourceNotFound)");
    const list = await cli(["list-dashboards", "--dashboard-name-prefix", name], 1);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json.DashboardEntries ?? []).toEqual([]);
    const del = await cli(["delete-dashboards", "--dashboard-names", name], 1);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain("(ResourceNotFound)");
    const still = await cli(["get-dashboard", "--dashboard-name", name], 0);
    expect(still.json.DashboardBody).toBe(BODY);
  });
});
