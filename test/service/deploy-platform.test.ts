/**
 * The service as deployed on a Spinifex node: its settings read from a
 * spinifex.toml as `spx admin init` writes it (SPINIFEX_CONFIG_PATH), NATS
 * with TLS and token auth as the platform's nats.conf sets it up, and an S3
 * endpoint with Predastore's gaps. Real clients drive it.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetMetricStatisticsCommand, ListDashboardsCommand, PutDashboardCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { CreateLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { connect } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNatsPorts, startS3Server, stopChild, waitForPort, type RunningServer } from "../../local/processes.js";
import { startPredastoreProxy, type PredastoreProxy } from "../support/predastore-proxy.js";
import { cloudWatchClient, logsClient, ROOT, startStack, type Stack } from "../support/stack.js";

const TOKEN = "s3cr3t-nats-token";
let dir: string;
let nats: ChildProcess | undefined;
let natsPort: number;
let s3: RunningServer;
let proxy: PredastoreProxy;
let stack: Stack;

/** A CA and a server certificate for 127.0.0.1 and localhost (spinifex/admin/admin.go always names localhost). */
function certificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=spinifex-test-ca");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "san.ext");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hive-cw-deploy-"));
  certificates(dir);
  // cmd/spinifex/cmd/templates/nats.conf: tls block, token authorization, JetStream; the port is
  // nats-server's own choice, read back from its ports file.
  writeFileSync(join(dir, "nats.conf"), `listen: 127.0.0.1:-1
ports_file_dir: "${dir}"
tls {
  cert_file: "${dir}/server.pem"
  key_file:  "${dir}/server.key"
  ca_file:   "${dir}/ca.pem"
}
authorization {
  token: "${TOKEN}"
}
jetstream {
  store_dir: "${dir}/nats/"
  max_memory_store: 1GB
  max_file_store: 10GB
}
max_payload: 8MB
`);
  nats = spawn("nats-server", ["-c", join(dir, "nats.conf")], { stdio: "ignore" });
  natsPort = (await readNatsPorts(join(dir, `nats-server_${nats.pid}.ports`))).port;
  await waitForPort(natsPort);
  s3 = await startS3Server({ dir: join(dir, "s3") });
  proxy = await startPredastoreProxy(s3.url);
  // cmd/spinifex/cmd/templates/spinifex.toml, this node's sections, with a [cloudwatch] section.
  writeFileSync(join(dir, "spinifex.toml"), `version = "4"
epoch = 1
node = "node1"

[aws]
region = "us-east-1"

[nodes.node1]
node = "node1"
host = "127.0.0.1"
region = "us-east-1"
az = "us-east-1a"

[nodes.node1.nats]
host = "127.0.0.1:${natsPort}"
cacert = "${dir}/ca.pem"

[nodes.node1.nats.acl]
token = "${TOKEN}"

[nodes.node1.predastore]
host = "0.0.0.0:8443"
region = "us-east-1"
bucket = "predastore"
accesskey = "S3RVER"
secretkey = "S3RVER"

[cloudwatch.storage]
endpoint = "${proxy.url}"
`);
  stack = await startStack({
    env: {
      SPINIFEX_CONFIG_PATH: join(dir, "spinifex.toml"),
      // The stack's own servers stay unused: empty values let the file speak.
      HIVE_CLOUDWATCH_NATS_URL: "",
      HIVE_CLOUDWATCH_STORAGE_ENDPOINT: "",
    },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await proxy?.stop();
  await s3?.stop();
  // Its exit, not only the signal: nats-server writes its store while it shuts down (CI once saw the removal race it: ENOTEMPTY).
  if (nats) await stopChild(nats);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("on a Spinifex node", () => {
  it("serves metrics, dashboards and logs over the platform's TLS + token NATS and Predastore's S3 subset", async () => {
    const cw = cloudWatchClient(stack);
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
    await cw.send(new PutMetricDataCommand({ Namespace: "Deploy/Test", MetricData: [{ MetricName: "M", Value: 42, Timestamp: at }] }));
    const r = await cw.send(new GetMetricStatisticsCommand({
      Namespace: "Deploy/Test", MetricName: "M", StartTime: new Date(at.getTime() - 60_000), EndTime: new Date(at.getTime() + 60_000), Period: 60, Statistics: ["Sum"],
    }));
    expect(r.Datapoints?.map((d) => d.Sum)).toEqual([42]);
    await cw.send(new PutDashboardCommand({ DashboardName: "node", DashboardBody: '{"widgets":[]}' }));
    expect((await cw.send(new ListDashboardsCommand({}))).DashboardEntries?.map((d) => d.DashboardName)).toEqual(["node"]);
    await logsClient(stack).send(new CreateLogGroupCommand({ logGroupName: "/deploy/test" }));
    expect((await logsClient(stack).send(new DescribeLogGroupsCommand({}))).logGroups?.map((g) => g.logGroupName)).toEqual(["/deploy/test"]);
    await stack.fireSchedule("MetricRollOff");
    await stack.fireSchedule("QmpPoller");
    expect(proxy.refused).toEqual([]);
  });

  it("its state is in the platform's NATS, which refuses a client without the token", async () => {
    const tls = { caFile: join(dir, "ca.pem") };
    const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}`, token: TOKEN, tls });
    try {
      const streams = await (await nc.jetstreamManager()).streams.names().next();
      expect(streams).toContain("CW_METRICS_INGEST");
    } finally {
      await nc.close();
    }
    await expect(connect({ servers: `nats://127.0.0.1:${natsPort}`, tls, reconnect: false })).rejects.toThrow(/Authorization/i);
  });

  it("ships a systemd unit in the platform's style", () => {
    const unit = readFileSync(join(ROOT, "deploy/spinifex-cloudwatch.service"), "utf8");
    for (const line of ["PartOf=spinifex.target", "WantedBy=spinifex.target", "Environment=SPINIFEX_CONFIG_PATH=/etc/spinifex/spinifex.toml", "NoNewPrivileges=yes", "ProtectSystem=strict", "User=spinifex-daemon"]) {
      expect(unit).toContain(line);
    }
    expect(unit).not.toContain("MemoryDenyWriteExecute=yes"); // V8's JIT needs it off
  });
});
