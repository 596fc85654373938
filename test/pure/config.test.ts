/**
 * Configuration: the seed's hive.toml [cloudwatch] section with environment
 * overrides, validated at start with errors that name the key.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, durationSeconds, envName, loadConfig } from "../../lib/config/config.js";

const LOCAL = { HIVE_CLOUDWATCH_LOCAL: "true" };

function toml(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "hive-config-")), "hive.toml");
  writeFileSync(path, text);
  return path;
}

describe("loadConfig", () => {
  it("has the seed's defaults", () => {
    const c = loadConfig(LOCAL, toml(""));
    expect(c).toMatchObject({
      enabled: true,
      retentionDays: 14,
      collectionInterval: "1m",
      maxMetricsPerRequest: 1000,
      port: 4566,
      memoryBudgetMb: 1024,
      natsMemoryLimitMb: 192,
      maxConcurrentWrites: 64,
      maxEventLoopDelayMs: 50,
      listMetricsIndexMb: 64,
      storage: { bucket: "hive-cloudwatch-metrics" },
      rolloff: { hotRetentionHours: 24, warmRetentionDays: 7, coldRetentionDays: 365, aggregationInterval: "5m" },
      logs: { enabled: true, bufferSize: 10000, flushInterval: "30s", compression: "gzip", retentionDays: 30, maxEventSize: 262144 },
    });
  });

  it("reads [cloudwatch], [cloudwatch.storage], [cloudwatch.rolloff] and [cloudwatch.logs] from hive.toml", () => {
    const c = loadConfig(
      LOCAL,
      toml(`
[cloudwatch]
retention_days = 30
port = 5000
nats_memory_limit_mb = 384
max_concurrent_writes = 16
list_metrics_index_mb = 0
nats_url = "nats://10.0.0.5:4222"

[cloudwatch.storage]
bucket = "metrics-cold"
endpoint = "http://predastore:8443"

[cloudwatch.rolloff]
hot_retention_hours = 12

[cloudwatch.logs]
compression = "none"
`),
    );
    expect(c).toMatchObject({
      retentionDays: 30,
      port: 5000,
      natsMemoryLimitMb: 384,
      maxConcurrentWrites: 16,
      maxEventLoopDelayMs: 50,
      listMetricsIndexMb: 0,
      natsUrl: "nats://10.0.0.5:4222",
      storage: { bucket: "metrics-cold", endpoint: "http://predastore:8443" },
      rolloff: { hotRetentionHours: 12, warmRetentionDays: 7 },
      logs: { compression: "none" },
    });
  });

  it("lets the environment override the file, named after the key path", () => {
    expect(envName("storage.bucket")).toBe("HIVE_CLOUDWATCH_STORAGE_BUCKET");
    const c = loadConfig({ ...LOCAL, HIVE_CLOUDWATCH_PORT: "6000", HIVE_CLOUDWATCH_STORAGE_BUCKET: "from-env" }, toml("[cloudwatch]\nport = 5000\n"));
    expect(c.port).toBe(6000);
    expect(c.storage.bucket).toBe("from-env");
  });

  it("maps access keys to accounts, from tables or KEY:SECRET:ACCOUNT", () => {
    const fromFile = loadConfig(
      {},
      toml(`[[cloudwatch.credentials]]\naccess_key = "AKIA1"\nsecret_key = "s1"\naccount_id = "123456789012"\n`),
    );
    expect(fromFile.credentials).toEqual([{ accessKeyId: "AKIA1", secretAccessKey: "s1", accountId: "123456789012" }]);
    const fromEnv = loadConfig({ HIVE_CLOUDWATCH_CREDENTIALS: "A:sa:111111111111,B:sb:222222222222" }, toml(""));
    expect(fromEnv.credentials.map((c) => c.accountId)).toEqual(["111111111111", "222222222222"]);
  });

  it("has the test/test credential in local mode only", () => {
    expect(loadConfig(LOCAL, toml("")).credentials).toContainEqual({ accessKeyId: "test", secretAccessKey: "test", accountId: "000000000000" });
    const prod = loadConfig({ HIVE_CLOUDWATCH_CREDENTIALS: "A:sa:111111111111" }, toml(""));
    expect(prod.credentials.some((c) => c.accessKeyId === "test")).toBe(false);
  });

  it("refuses to start outside local mode without credentials", () => {
    expect(() => loadConfig({}, toml(""))).toThrow(/no credentials configured/);
  });

  it.each([
    [{ HIVE_CLOUDWATCH_PORT: "70000" }, /HIVE_CLOUDWATCH_PORT must be a port number/],
    [{ HIVE_CLOUDWATCH_PORT: "http" }, /HIVE_CLOUDWATCH_PORT: must be an integer/],
    [{ HIVE_CLOUDWATCH_STORAGE_BUCKET: "Bad_Bucket" }, /HIVE_CLOUDWATCH_STORAGE_BUCKET must be a valid S3 bucket name/],
    [{ HIVE_CLOUDWATCH_ROLLOFF_AGGREGATION_INTERVAL: "five minutes" }, /invalid duration "five minutes"/],
    [{ HIVE_CLOUDWATCH_LOGS_COMPRESSION: "zstd" }, /must be "gzip" or "none"/],
    [{ HIVE_CLOUDWATCH_ENABLED: "maybe" }, /must be true or false/],
    [{ HIVE_CLOUDWATCH_RETENTION_DAYS: "0" }, /must be greater than 0/],
    [{ HIVE_CLOUDWATCH_CREDENTIALS: "A:sa:12" }, /account_id must be 12 digits/],
    [{ HIVE_CLOUDWATCH_NATS_MEMORY_LIMIT_MB: "32" }, /HIVE_CLOUDWATCH_NATS_MEMORY_LIMIT_MB must be at least 64/],
    [{ HIVE_CLOUDWATCH_MAX_CONCURRENT_WRITES: "-1" }, /HIVE_CLOUDWATCH_MAX_CONCURRENT_WRITES must be 0 or more/],
  ])("rejects %o with a message naming the key", (env, message) => {
    expect(() => loadConfig({ ...LOCAL, ...env }, toml(""))).toThrow(ConfigError);
    expect(() => loadConfig({ ...LOCAL, ...env }, toml(""))).toThrow(message);
  });

  it("names the file and key of a bad value in hive.toml", () => {
    const path = toml("[cloudwatch]\nport = \"eighty\"\n");
    expect(() => loadConfig(LOCAL, path)).toThrow(`${path} [cloudwatch] port: must be an integer, got "eighty"`);
  });

  it("reports a missing config file and a TOML syntax error", () => {
    expect(() => loadConfig(LOCAL, "/nonexistent/hive.toml")).toThrow(/does not exist/);
    expect(() => loadConfig(LOCAL, toml("[cloudwatch\nport = 1"))).toThrow(ConfigError);
  });
});

describe("loadConfig on a Spinifex node", () => {
  // spinifex.toml as `spx admin init` writes it (cmd/spinifex/cmd/templates/spinifex.toml), with a [cloudwatch] section added.
  const SPINIFEX = `
version = "4"
node = "node1"

[nodes.node1]
host = "10.0.0.5"

[nodes.node1.nats]
host = "10.0.0.5:4222"
cacert = "/etc/spinifex/ca.pem"

[nodes.node1.nats.acl]
token = "nats-token-1"

[nodes.node1.predastore]
host = "0.0.0.0:8443"
region = "ap-southeast-2"
bucket = "predastore"
accesskey = "AKIAPREDASTORE"
secretkey = "predastore-secret"

[cloudwatch]
port = 4570

[cloudwatch.collector]
source = "nats"
runtime_dir = "/run/spinifex"
guest_agent_socket = "/run/spinifex/qga-{instance-id}.sock"

[cloudwatch.iam]
enabled = true
master_key_file = "/etc/spinifex/master.key"
`;

  it("reads [cloudwatch] from $SPINIFEX_CONFIG_PATH, the node's NATS URL, token and CA from [nodes.<node>.nats] and its Predastore from [nodes.<node>.predastore]", () => {
    const c = loadConfig({ SPINIFEX_CONFIG_PATH: toml(SPINIFEX) });
    expect(c).toMatchObject({
      port: 4570,
      natsUrl: "tls://10.0.0.5:4222",
      natsToken: "nats-token-1",
      natsCaFile: "/etc/spinifex/ca.pem",
      storage: { endpoint: "https://127.0.0.1:8443", region: "ap-southeast-2", accessKeyId: "AKIAPREDASTORE", secretAccessKey: "predastore-secret", bucket: "hive-cloudwatch-metrics" },
      collector: { source: "nats", runtimeDir: "/run/spinifex", guestAgentSocket: "/run/spinifex/qga-{instance-id}.sock" },
      iam: { enabled: true, masterKeyFile: "/etc/spinifex/master.key" },
      credentials: [],
    });
  });

  it("lets [cloudwatch] and the environment override the platform's NATS settings", () => {
    const path = toml(`${SPINIFEX}\n`.replace("port = 4570", 'port = 4570\nnats_url = "nats://127.0.0.1:4333"'));
    expect(loadConfig({ SPINIFEX_CONFIG_PATH: path, HIVE_CLOUDWATCH_NATS_TOKEN: "t2" })).toMatchObject({ natsUrl: "nats://127.0.0.1:4333", natsToken: "t2" });
  });

  it("has the collector's and IAM's defaults", () => {
    expect(loadConfig(LOCAL, toml(""))).toMatchObject({
      collector: { source: "qmp", runtimeDir: "", guestAgentSocket: "qga-{instance-id}.sock", guestAgentTimeout: "1s", qmpTimeout: "2s" },
      iam: { enabled: false, masterKeyFile: "/etc/spinifex/master.key" },
    });
  });

  it.each([
    [{ HIVE_CLOUDWATCH_COLLECTOR_SOURCE: "snmp" }, /HIVE_CLOUDWATCH_COLLECTOR_SOURCE must be "qmp", "nats" or "off"/],
    [{ HIVE_CLOUDWATCH_COLLECTOR_GUEST_AGENT_SOCKET: "qga.sock" }, /must contain \{instance-id\}/],
    [{ HIVE_CLOUDWATCH_COLLECTOR_QMP_TIMEOUT: "soon" }, /invalid duration "soon"/],
  ])("rejects %o with a message naming the key", (env, message) => {
    expect(() => loadConfig({ ...LOCAL, ...env }, toml(""))).toThrow(message);
  });
});

describe("durationSeconds", () => {
  it("understands ms, s, m, h and d", () => {
    expect([durationSeconds("500ms"), durationSeconds("30s"), durationSeconds("5m"), durationSeconds("1h"), durationSeconds("7d")]).toEqual([0.5, 30, 300, 3600, 604800]);
  });
});
