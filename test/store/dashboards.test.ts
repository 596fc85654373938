/**
 * The dashboard operations against a real nats-server (JetStream KV).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../local/processes.js";

type Dashboards = typeof import("../../lib/dashboards/dashboards.js");

let nats: RunningServer;
let storeDir: string;
let d: Dashboards;
let closeNats: () => Promise<void>;

const A = "111111111111";
const B = "222222222222";
const BODY = JSON.stringify({ widgets: [{ type: "text", x: 0, y: 0, width: 6, height: 3, properties: { markdown: "hi" } }] });

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; status: number; fields: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; message: string; status: number; fields: Record<string, unknown> };
    return { code: err.code, message: err.message, status: err.status, fields: err.fields };
  }
  throw new Error("expected a failure");
}

beforeAll(async () => {
  storeDir = mkdtempSync(join(tmpdir(), "dashboards-store-"));
  const { startNatsServer } = await import("../../local/processes.js");
  nats = await startNatsServer({ storeDir });
  process.env.HIVE_CLOUDWATCH_NATS_URL = nats.url;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  d = await import("../../lib/dashboards/dashboards.js");
  ({ closeNats } = await import("../../lib/storage/nats.js"));
}, 30_000);

afterAll(async () => {
  await closeNats?.();
  await nats?.stop();
  if (storeDir) rmSync(storeDir, { recursive: true, force: true });
});

describe("PutDashboard and GetDashboard", () => {
  it("stores a dashboard and returns its body verbatim with its ARN", async () => {
    const body = `{ "widgets": [],\n  "start": "-PT3H" }`;
    expect(await d.putDashboard(A, { DashboardName: "Main_dash-1", DashboardBody: body })).toEqual({
      DashboardValidationMessages: [],
    });
    expect(await d.getDashboard(A, "us-east-1", { DashboardName: "Main_dash-1" })).toEqual({
      DashboardArn: `arn:aws:cloudwatch::${A}:dashboard/Main_dash-1`,
      DashboardBody: body,
      DashboardName: "Main_dash-1",
    });
  });

  it("replaces the whole dashboard on a second put", async () => {
    await d.putDashboard(A, { DashboardName: "replaced", DashboardBody: BODY });
    await d.putDashboard(A, { DashboardName: "replaced", DashboardBody: '{"widgets":[]}' });
    expect((await d.getDashboard(A, "us-east-1", { DashboardName: "replaced" })).DashboardBody).toBe('{"widgets":[]}');
  });

  it("returns warnings for a body that is stored but may not render as meant", async () => {
    const body = JSON.stringify({ widgets: [], end: "2024-01-01T00:00:00Z" });
    const out = await d.putDashboard(A, { DashboardName: "warned", DashboardBody: body });
    expect(out.DashboardValidationMessages).toHaveLength(1);
    expect(out.DashboardValidationMessages![0].DataPath).toBe("/end");
    expect((await d.getDashboard(A, "us-east-1", { DashboardName: "warned" })).DashboardBody).toBe(body);
  });

  it("rejects an invalid body with InvalidParameterInput and the validation messages, storing nothing", async () => {
    const body = JSON.stringify({ widgets: [{ type: "metric", properties: { region: "us-east-1" } }] });
    const e = await failure(d.putDashboard(A, { DashboardName: "invalid", DashboardBody: body }));
    expect(e.code).toBe("InvalidParameterInput");
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^The dashboard body is invalid, there are 3 validation errors:\n\[/);
    expect(e.fields.dashboardValidationMessages).toEqual([
      { DataPath: "/widgets/0/properties", Message: "Should have required property 'metrics'" },
      {
        DataPath: "/widgets/0/properties",
        Message: "The metric widget should have specified a region and a data source or an alarm annotation",
      },
      { DataPath: "/widgets/0/properties", Message: "Should have required property 'annotations'" },
    ]);
    expect((await failure(d.getDashboard(A, "us-east-1", { DashboardName: "invalid" }))).code).toBe("ResourceNotFound");
  });

  it("rejects a body that is not a JSON object", async () => {
    const e = await failure(d.putDashboard(A, { DashboardName: "x", DashboardBody: "[1,2]" }));
    expect(e).toMatchObject({ code: "InvalidParameterInput", message: "The field DashboardBody must be a valid JSON object" });
  });

  it("rejects a body over 1 MB", async () => {
    const big = JSON.stringify({ widgets: [], pad: "x".repeat(1024 * 1024) });
    expect((await failure(d.putDashboard(A, { DashboardName: "big", DashboardBody: big }))).code).toBe("InvalidParameterInput");
  });

  it("checks the name: required, 1-255 of A-Z a-z 0-9 - _", async () => {
    expect(await failure(d.putDashboard(A, { DashboardName: undefined, DashboardBody: BODY }))).toMatchObject({
      code: "MissingParameter",
      message: "The parameter DashboardName is required.",
    });
    expect(await failure(d.putDashboard(A, { DashboardName: "ok", DashboardBody: undefined }))).toMatchObject({
      code: "MissingParameter",
      message: "The parameter DashboardBody is required.",
    });
    for (const bad of ["has space", "dot.ted", "slash/", "ünï"]) {
      expect(await failure(d.putDashboard(A, { DashboardName: bad, DashboardBody: BODY }))).toMatchObject({
        code: "InvalidParameterValue",
        message:
          "The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).\n",
      });
    }
    expect((await failure(d.putDashboard(A, { DashboardName: "a".repeat(256), DashboardBody: BODY }))).code).toBe(
      "InvalidParameterValue",
    );
    await d.putDashboard(A, { DashboardName: "a".repeat(255), DashboardBody: BODY });
  });

  it("answers ResourceNotFound (404) for a dashboard that does not exist", async () => {
    expect(await failure(d.getDashboard(A, "us-east-1", { DashboardName: "nope" }))).toMatchObject({
      code: "ResourceNotFound",
      status: 404,
      message: "Dashboard nope does not exist",
    });
    expect((await failure(d.getDashboard(A, "us-east-1", { DashboardName: "odd.name with spaces" }))).code).toBe("ResourceNotFound");
    expect((await failure(d.getDashboard(A, "us-east-1", { DashboardName: "" }))).code).toBe("MissingParameter");
  });

  it("answers names no dashboard can have without asking NATS (a huge key would break the connection)", async () => {
    const huge = "x".repeat(10_000);
    expect((await failure(d.getDashboard(A, "us-east-1", { DashboardName: huge }))).code).toBe("ResourceNotFound");
    expect((await failure(d.deleteDashboards(A, { DashboardNames: [huge] }))).code).toBe("ResourceNotFound");
    expect((await d.getDashboard(A, "us-east-1", { DashboardName: "Main_dash-1" })).DashboardName).toBe("Main_dash-1");
  });
});

describe("ListDashboards", () => {
  const acct = "333333333333";
  const names = ["beta", "alpha", "Zulu", "alpha-2", "alpha_1", "gamma"];

  beforeAll(async () => {
    for (const n of names) await d.putDashboard(acct, { DashboardName: n, DashboardBody: BODY });
  });

  it("lists the account's dashboards sorted by name, with ARN, date and size", async () => {
    const before = Date.now();
    const out = await d.listDashboards(acct, "us-east-1", {});
    expect(out.NextToken).toBeUndefined();
    expect(out.DashboardEntries!.map((e) => e.DashboardName)).toEqual(["Zulu", "alpha", "alpha-2", "alpha_1", "beta", "gamma"]);
    const alpha = out.DashboardEntries![1];
    expect(alpha.DashboardArn).toBe(`arn:aws:cloudwatch::${acct}:dashboard/alpha`);
    expect(alpha.Size).toBe(Buffer.byteLength(BODY));
    expect(alpha.LastModified).toBeInstanceOf(Date);
    expect(alpha.LastModified!.getTime()).toBeLessThanOrEqual(before);
    expect(alpha.LastModified!.getTime()).toBeGreaterThan(before - 60_000);
  });

  it("filters by DashboardNamePrefix", async () => {
    const out = await d.listDashboards(acct, "us-east-1", { DashboardNamePrefix: "alpha" });
    expect(out.DashboardEntries!.map((e) => e.DashboardName)).toEqual(["alpha", "alpha-2", "alpha_1"]);
    expect((await d.listDashboards(acct, "us-east-1", { DashboardNamePrefix: "none" })).DashboardEntries).toEqual([]);
  });

  it("returns an empty list for an account without dashboards", async () => {
    expect(await d.listDashboards("444444444444", "us-east-1", {})).toEqual({ DashboardEntries: [] });
  });

  it("pages by 1000 with an opaque NextToken", async () => {
    const many = "555555555555";
    const total = 1005;
    const put = Array.from({ length: total }, (_, i) => `d${String(i).padStart(4, "0")}`);
    for (let i = 0; i < put.length; i += 50) {
      await Promise.all(put.slice(i, i + 50).map((n) => d.putDashboard(many, { DashboardName: n, DashboardBody: '{"widgets":[]}' })));
    }
    const first = await d.listDashboards(many, "us-east-1", {});
    expect(first.DashboardEntries).toHaveLength(1000);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await d.listDashboards(many, "us-east-1", { NextToken: first.NextToken });
    expect(second.DashboardEntries!.map((e) => e.DashboardName)).toEqual(put.slice(1000));
    expect(second.NextToken).toBeUndefined();
    // The prefix applies on every page.
    const prefixed = await d.listDashboards(many, "us-east-1", { DashboardNamePrefix: "d100", NextToken: first.NextToken });
    expect(prefixed.DashboardEntries!.map((e) => e.DashboardName)).toEqual(["d1000", "d1001", "d1002", "d1003", "d1004"]);
  }, 60_000);

  it("rejects a NextToken it did not issue", async () => {
    for (const token of ["garbage", "eyJ2IjoyfQ", Buffer.from('{"v":1,"after":3}').toString("base64url")]) {
      expect(await failure(d.listDashboards(acct, "us-east-1", { NextToken: token }))).toMatchObject({ code: "InvalidParameterValue", status: 400 });
    }
  });
});

describe("DeleteDashboards", () => {
  const acct = "666666666666";

  it("deletes the named dashboards", async () => {
    for (const n of ["one", "two", "three"]) await d.putDashboard(acct, { DashboardName: n, DashboardBody: BODY });
    expect(await d.deleteDashboards(acct, { DashboardNames: ["one", "three", "one"] })).toEqual({});
    expect((await d.listDashboards(acct, "us-east-1", {})).DashboardEntries!.map((e) => e.DashboardName)).toEqual(["two"]);
    expect((await failure(d.getDashboard(acct, "us-east-1", { DashboardName: "one" }))).code).toBe("ResourceNotFound");
  });

  it("deletes none if any is missing, naming the missing ones", async () => {
    await d.putDashboard(acct, { DashboardName: "kept", DashboardBody: BODY });
    expect(await failure(d.deleteDashboards(acct, { DashboardNames: ["kept", "ghost", "two", "phantom"] }))).toMatchObject({
      code: "ResourceNotFound",
      status: 404,
      message: "The specified dashboard does not exist. [ghost, phantom]",
    });
    expect((await d.listDashboards(acct, "us-east-1", {})).DashboardEntries!.map((e) => e.DashboardName)).toEqual(["kept", "two"]);
  });

  it("needs at least one and at most 100 names", async () => {
    expect(await failure(d.deleteDashboards(acct, { DashboardNames: [] }))).toMatchObject({
      code: "MissingParameter",
      message: "The parameter DashboardNames is required.",
    });
    expect((await failure(d.deleteDashboards(acct, { DashboardNames: undefined }))).code).toBe("MissingParameter");
    const tooMany = Array.from({ length: 101 }, (_, i) => `n${i}`);
    expect((await failure(d.deleteDashboards(acct, { DashboardNames: tooMany }))).code).toBe("InvalidParameterValue");
  });

  it("can be put again after a delete", async () => {
    await d.putDashboard(acct, { DashboardName: "again", DashboardBody: BODY });
    await d.deleteDashboards(acct, { DashboardNames: ["again"] });
    await d.putDashboard(acct, { DashboardName: "again", DashboardBody: '{"widgets":[]}' });
    expect((await d.getDashboard(acct, "us-east-1", { DashboardName: "again" })).DashboardBody).toBe('{"widgets":[]}');
  });
});

describe("accounts", () => {
  it("never see, list or delete one another's dashboards", async () => {
    await d.putDashboard(A, { DashboardName: "private", DashboardBody: BODY });
    expect((await failure(d.getDashboard(B, "us-east-1", { DashboardName: "private" }))).code).toBe("ResourceNotFound");
    expect((await d.listDashboards(B, "us-east-1", {})).DashboardEntries).toEqual([]);
    expect((await failure(d.deleteDashboards(B, { DashboardNames: ["private"] }))).code).toBe("ResourceNotFound");
    // B's dashboard of the same name is its own.
    await d.putDashboard(B, { DashboardName: "private", DashboardBody: '{"widgets":[]}' });
    expect((await d.getDashboard(A, "us-east-1", { DashboardName: "private" })).DashboardBody).toBe(BODY);
    expect((await d.getDashboard(B, "us-east-1", { DashboardName: "private" })).DashboardArn).toBe(`arn:aws:cloudwatch::${B}:dashboard/private`);
    await d.deleteDashboards(B, { DashboardNames: ["private"] });
    expect((await d.getDashboard(A, "us-east-1", { DashboardName: "private" })).DashboardBody).toBe(BODY);
  });
});

describe("tags", () => {
  it("are kept from creation and ignored on update, as PutDashboard documents", async () => {
    const acct = "777777777777";
    await d.putDashboard(acct, { DashboardName: "tagged", DashboardBody: BODY, Tags: [{ Key: "team", Value: "a" }] });
    await d.putDashboard(acct, { DashboardName: "tagged", DashboardBody: BODY, Tags: [{ Key: "team", Value: "b" }] });
    const { getBucket, BUCKETS } = await import("../../lib/storage/nats.js");
    const { getRecord, recordKey } = await import("../../lib/storage/kv.js");
    const rec = await getRecord<{ tags?: unknown }>(await getBucket(BUCKETS.dashboards), recordKey(acct, "tagged"));
    expect(rec!.value.tags).toEqual([{ Key: "team", Value: "a" }]);
  });
});
