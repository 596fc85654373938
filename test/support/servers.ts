/**
 * Real servers for tests that call lib/ in-process: a nats-server and,
 * unless asked not to, an S3 server, each in a temporary directory, with the
 * environment lib/ reads pointed at them. Import lib/ modules after this.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsServer, startS3Server, type RunningServer } from "../../local/processes.js";

export interface TestServers {
  nats: RunningServer;
  s3?: RunningServer;
  /** Stops nats-server; startNats brings it back on the same port and store. */
  stopNats(): Promise<void>;
  startNats(): Promise<void>;
  /** Closes lib/'s NATS connection, then stops the servers. */
  stop(): Promise<void>;
}

/** `monitor`: open nats-server's monitoring endpoint (`nats.monitorUrl`: /jsz, /varz). */
export async function startTestServers(name: string, opts: { s3?: boolean; monitor?: boolean } = {}): Promise<TestServers> {
  const natsStore = mkdtempSync(join(tmpdir(), `${name}-nats-`));
  const servers: TestServers = {
    nats: await startNatsServer({ storeDir: natsStore, monitor: opts.monitor }),
    s3: opts.s3 === false ? undefined : await startS3Server({ dir: mkdtempSync(join(tmpdir(), `${name}-s3-`)) }),
    stopNats: () => servers.nats.stop(),
    async startNats() {
      servers.nats = await startNatsServer({ storeDir: natsStore, port: servers.nats.port, monitor: opts.monitor });
    },
    async stop() {
      const { closeNats } = await import("../../lib/storage/nats.js");
      await closeNats();
      await servers.s3?.stop();
      await servers.nats.stop();
    },
  };
  process.env.HIVE_CLOUDWATCH_NATS_URL = servers.nats.url;
  if (servers.s3) process.env.HIVE_CLOUDWATCH_STORAGE_ENDPOINT = servers.s3.url;
  process.env.HIVE_CLOUDWATCH_LOCAL = "true";
  return servers;
}
