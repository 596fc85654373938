/**
 * Data survives restarts: dashboards, log groups (with tags and retention) and
 * log streams written through the SDK are all still there after the service is
 * killed or stopped, after nats-server restarts under a running service (which
 * reconnects on its own), and after both restart. Deletes stay deleted.
 */
import {
  CloudWatchClient,
  DeleteDashboardsCommand,
  GetDashboardCommand,
  ListDashboardsCommand,
  PutDashboardCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, logsClient, startStack, type Account, type Stack } from "../support/stack.js";

let stack: Stack;
const RUN = `d${Date.now().toString(36)}`;

const body = (text: string) =>
  JSON.stringify({ widgets: [{ type: "text", x: 0, y: 0, width: 6, height: 3, properties: { markdown: text } }] });

/** What must be there: dashboards by name → body, log groups by name → retention, tags, streams. */
interface Expected {
  dashboards: Map<string, string>;
  goneDashboards: Set<string>;
  groups: Map<string, { retention?: number; tags: Record<string, string>; streams: string[] }>;
  goneGroups: Set<string>;
}

const expected: Record<Account, Expected> = {
  0: { dashboards: new Map(), goneDashboards: new Set(), groups: new Map(), goneGroups: new Set() },
  1: { dashboards: new Map(), goneDashboards: new Set(), groups: new Map(), goneGroups: new Set() },
};

/** Fresh clients per check: a restarted service has closed every connection. */
async function withClients<T>(account: Account, fn: (cw: CloudWatchClient, logs: CloudWatchLogsClient) => Promise<T>): Promise<T> {
  const cw = cloudWatchClient(stack, { account });
  const logs = logsClient(stack, { account });
  try {
    return await fn(cw, logs);
  } finally {
    cw.destroy();
    logs.destroy();
  }
}

/** Writes one more generation of data for the account (and records what it should look like). */
async function writeGeneration(account: Account, gen: string): Promise<void> {
  const want = expected[account];
  await withClients(account, async (cw, logs) => {
    for (const i of [1, 2]) {
      const name = `${RUN}-${gen}-dash${i}`;
      const text = `${gen} dashboard ${i} of account ${account}`;
      await cw.send(new PutDashboardCommand({ DashboardName: name, DashboardBody: body(text) }));
      want.dashboards.set(name, body(text));
    }
    // Replace one: the last write wins, also after restarts.
    const replaced = `${RUN}-${gen}-dash1`;
    await cw.send(new PutDashboardCommand({ DashboardName: replaced, DashboardBody: body(`${gen} replaced`) }));
    want.dashboards.set(replaced, body(`${gen} replaced`));

    const group = `/${RUN}/${gen}/app`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: group, tags: { team: `t${account}`, gen } }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 30 }));
    const arn = `arn:aws:logs:us-east-1:${stack.credentials[account].accountId}:log-group:${group}`;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { extra: "yes" } }));
    for (const s of ["web-1", "web-2", "worker"]) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
    }
    want.groups.set(group, { retention: 30, tags: { team: `t${account}`, gen, extra: "yes" }, streams: ["web-1", "web-2", "worker"] });

    const plain = `/${RUN}/${gen}/plain`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: plain }));
    want.groups.set(plain, { tags: {}, streams: [] });
  });
}

/** Deletes some of the account's data (and records that it must stay gone). */
async function deleteSome(account: Account, gen: string): Promise<void> {
  const want = expected[account];
  await withClients(account, async (cw, logs) => {
    const dash = `${RUN}-${gen}-dash2`;
    await cw.send(new DeleteDashboardsCommand({ DashboardNames: [dash] }));
    want.dashboards.delete(dash);
    want.goneDashboards.add(dash);

    const plain = `/${RUN}/${gen}/plain`;
    await logs.send(new DeleteLogGroupCommand({ logGroupName: plain }));
    want.groups.delete(plain);
    want.goneGroups.add(plain);

    const group = `/${RUN}/${gen}/app`;
    await logs.send(new DeleteLogStreamCommand({ logGroupName: group, logStreamName: "web-2" }));
    want.groups.get(group)!.streams = want.groups.get(group)!.streams.filter((s) => s !== "web-2");
  });
}

/** Everything recorded is there, exactly, and nothing deleted came back. */
async function expectAllThere(account: Account): Promise<void> {
  const want = expected[account];
  expect(want.dashboards.size).toBeGreaterThan(0);
  await withClients(account, async (cw, logs) => {
    const listed = await cw.send(new ListDashboardsCommand({ DashboardNamePrefix: RUN }));
    expect(listed.DashboardEntries!.map((d) => d.DashboardName).sort()).toEqual([...want.dashboards.keys()].sort());
    for (const [name, text] of want.dashboards) {
      const got = await cw.send(new GetDashboardCommand({ DashboardName: name }));
      expect(got.DashboardBody, name).toBe(text);
    }
    for (const name of want.goneDashboards) {
      await expect(cw.send(new GetDashboardCommand({ DashboardName: name }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
    }

    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/${RUN}/` }));
    expect(groups.logGroups!.map((g) => g.logGroupName).sort()).toEqual([...want.groups.keys()].sort());
    for (const g of groups.logGroups!) {
      const w = want.groups.get(g.logGroupName!)!;
      expect(g.retentionInDays, g.logGroupName).toBe(w.retention);
      expect(g.arn).toBe(`arn:aws:logs:us-east-1:${stack.credentials[account].accountId}:log-group:${g.logGroupName}:*`);
      const tags = await logs.send(new ListTagsLogGroupCommand({ logGroupName: g.logGroupName }));
      expect(tags.tags ?? {}, g.logGroupName).toEqual(w.tags);
      const byArn = await logs.send(new ListTagsForResourceCommand({ resourceArn: g.arn!.replace(/:\*$/, "") }));
      expect(byArn.tags ?? {}).toEqual(w.tags);
      const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g.logGroupName }));
      expect(streams.logStreams!.map((s) => s.logStreamName), g.logGroupName).toEqual(w.streams);
    }
    for (const name of want.goneGroups) {
      const found = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
      expect(found.logGroups!.filter((g) => g.logGroupName === name)).toEqual([]);
    }
  });
}

async function expectBothAccounts(): Promise<void> {
  await expectAllThere(0);
  await expectAllThere(1);
}

async function waitHealthy(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const res = await fetch(`${stack.endpoint}/_hive/health`);
      last = await res.json();
      if ((last as { status?: string }).status === "ok") return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`the service did not become healthy: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("durability", () => {
  it("writes the first generation in two accounts", async () => {
    await writeGeneration(0, "g1");
    await writeGeneration(1, "g1");
    await expectBothAccounts();
  });

  it("survives a SIGTERM restart of the service", async () => {
    const exit = await stack.stopService("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    await stack.startService();
    await expectBothAccounts();
    await writeGeneration(0, "g2");
    await deleteSome(0, "g1");
    await expectAllThere(0);
  });

  it("survives a SIGKILL of the service, right after writes and deletes", async () => {
    await writeGeneration(1, "g2");
    await deleteSome(1, "g1");
    const exit = await stack.stopService("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    await stack.startService();
    await expectBothAccounts();
  });

  it("survives a nats-server restart under the running service, which reconnects and keeps serving", async () => {
    await writeGeneration(0, "g3");
    await stack.restartNats();
    // Right away, a client with the SDK's default retries gets its answer: a request that lands while
    // the service reconnects may fail with a retryable 5xx, never a hang, a reset or a client error.
    const retrying = {
      endpoint: stack.endpoint,
      region: "us-east-1",
      maxAttempts: 3,
      credentials: stack.credentials[0],
    };
    const cw = new CloudWatchClient(retrying);
    const logs = new CloudWatchLogsClient(retrying);
    try {
      const t0 = Date.now();
      const [dashboards, groups] = await Promise.all([
        cw.send(new ListDashboardsCommand({ DashboardNamePrefix: RUN })),
        logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/${RUN}/` })),
      ]);
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(dashboards.DashboardEntries!.map((d) => d.DashboardName).sort()).toEqual([...expected[0].dashboards.keys()].sort());
      expect(groups.logGroups!.map((g) => g.logGroupName).sort()).toEqual([...expected[0].groups.keys()].sort());
    } finally {
      cw.destroy();
      logs.destroy();
    }
    await waitHealthy();
    await expectBothAccounts();
    // Writes work again without restarting the service.
    await writeGeneration(1, "g3");
    await deleteSome(0, "g2");
    await expectBothAccounts();
  });

  it("survives both restarting: service stopped, nats-server restarted, service started", async () => {
    await writeGeneration(0, "g4");
    await stack.stopService("SIGKILL");
    await stack.restartNats();
    await stack.startService();
    await expectBothAccounts();
    await writeGeneration(1, "g4");
    await deleteSome(1, "g2");
    await expectBothAccounts();
  });

  it("survives one more graceful restart of everything, with all generations intact", async () => {
    const exit = await stack.stopService("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    await stack.restartNats();
    await stack.startService();
    await expectBothAccounts();
    // Every generation is still there in each account.
    for (const account of [0, 1] as Account[]) {
      const gens = new Set([...expected[account].groups.keys()].map((g) => g.split("/")[2]));
      expect([...gens].sort()).toEqual(["g1", "g2", "g3", "g4"]);
    }
  });
});
