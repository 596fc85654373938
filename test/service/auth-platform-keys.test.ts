/**
 * SigV4 against the platform IAM's keys: records written into the platform's
 * KV buckets the way Spinifex writes them (secrets sealed with AES-256-GCM
 * under the master key as bluebottle's masterkey.EncryptBase64 does, session
 * token HMAC as handlers_sts.computeTokenHMAC does), driven by real SDK clients.
 */
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchClient, ListDashboardsCommand, PutDashboardCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { connect, type KV, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloudWatchClient, startStack, type Stack } from "../support/stack.js";

const MASTER_KEY = randomBytes(32);
const ACCOUNT = "123456789012";
const SUSPENDED = "222222222222";

/** bluebottle pkg/masterkey EncryptBase64: base64(nonce(12) ‖ ciphertext ‖ tag), no AAD. */
function seal(plaintext: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", MASTER_KEY, nonce);
  return Buffer.concat([nonce, c.update(plaintext, "utf8"), c.final(), c.getAuthTag()]).toString("base64");
}

const tokenHmac = (token: string) => createHmac("sha256", MASTER_KEY).update(token).digest("base64");

let stack: Stack;
let nc: NatsConnection;
let keys: KV;
let sessions: KV;
let accounts: KV;

function putKey(id: string, secret: string, account = ACCOUNT, status = "Active") {
  // handlers_iam.AccessKey, as IAM CreateAccessKey stores it (key = access key id).
  return keys.put(id, JSON.stringify({
    access_key_id: id, secret_access_key: seal(secret), user_name: "alice", account_id: account, status, created_at: new Date().toISOString(),
  }));
}

function putSession(id: string, secret: string, token: string, expiresAt: Date) {
  // handlers_sts.SessionCredential (key = access key id).
  return sessions.put(id, JSON.stringify({
    access_key_id: id, secret_encrypted: seal(secret), session_token_hmac: tokenHmac(token), account_id: ACCOUNT,
    principal_type: "assumed-role", assumed_role_arn: `arn:aws:sts::${ACCOUNT}:assumed-role/r/s`, underlying_role_arn: "",
    role_id: "AROA1", assumed_role_id: "AROA1:s", session_name: "s", expires_at: expiresAt.toISOString(), created_at: new Date().toISOString(),
  }));
}

const cw = (accessKeyId: string, secretAccessKey: string, sessionToken?: string) =>
  new CloudWatchClient({ endpoint: stack.endpoint, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId, secretAccessKey, sessionToken } });

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error("the request succeeded");
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-cw-iam-"));
  const keyFile = join(dir, "master.key");
  writeFileSync(keyFile, MASTER_KEY, { mode: 0o640 });
  stack = await startStack({ env: { HIVE_CLOUDWATCH_IAM_ENABLED: "true", HIVE_CLOUDWATCH_IAM_MASTER_KEY_FILE: keyFile } });
  nc = await connect({ servers: stack.natsUrl });
  const js = nc.jetstream();
  // The platform's IAM service creates these buckets at start (history 5 / 1 / 5).
  keys = await js.views.kv("spinifex-iam-access-keys", { history: 5 });
  sessions = await js.views.kv("spinifex-iam-session-credentials", { history: 1 });
  accounts = await js.views.kv("spinifex-accounts", { history: 5 });
  await accounts.put(ACCOUNT, JSON.stringify({ account_id: ACCOUNT, account_name: "acme", status: "ACTIVE", created_at: "2026-01-01T00:00:00Z" }));
  await accounts.put(SUSPENDED, JSON.stringify({ account_id: SUSPENDED, account_name: "gone", status: "SUSPENDED", created_at: "2026-01-01T00:00:00Z" }));
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await stack?.stop();
});

describe("platform IAM access keys (AKIA…)", () => {
  it("accepts a key stored encrypted in spinifex-iam-access-keys, as the key's account", async () => {
    await putKey("AKIAPLATFORM0000001", "platform-secret-1");
    const client = cw("AKIAPLATFORM0000001", "platform-secret-1");
    await client.send(new PutDashboardCommand({ DashboardName: "platform-owned", DashboardBody: '{"widgets":[]}' }));
    const mine = await client.send(new ListDashboardsCommand({}));
    expect(mine.DashboardEntries?.map((d) => d.DashboardName)).toEqual(["platform-owned"]);
    // The local test/test credential is account 000000000000: it does not see account 123456789012's dashboard.
    const local = await cloudWatchClient(stack).send(new ListDashboardsCommand({}));
    expect(local.DashboardEntries?.map((d) => d.DashboardName) ?? []).not.toContain("platform-owned");
  });

  it("refuses a wrong secret with SignatureDoesNotMatch", async () => {
    await putKey("AKIAPLATFORM0000002", "right");
    expect(await failure(cw("AKIAPLATFORM0000002", "wrong").send(new ListDashboardsCommand({})))).toMatchObject({ name: "SignatureDoesNotMatch", status: 403 });
  });

  // AWS answers an inactive key as it answers an unknown one (InvalidClientTokenId, 403), and so does
  // the platform's gateway (spinifex/gateway/auth.go resolveLongLivedAKID).
  it("refuses an Inactive key with InvalidClientTokenId", async () => {
    await putKey("AKIAPLATFORM0000003", "s3cret", ACCOUNT, "Inactive");
    const e = await failure(cw("AKIAPLATFORM0000003", "s3cret").send(new ListDashboardsCommand({})));
    expect(e).toMatchObject({ name: "InvalidClientTokenId", status: 403 });
    expect(e.message).toMatch(/security token included in the request is invalid/);
  });

  it("refuses a key of a SUSPENDED account with AccessDenied", async () => {
    await putKey("AKIAPLATFORM0000004", "s3cret", SUSPENDED);
    expect(await failure(cw("AKIAPLATFORM0000004", "s3cret").send(new ListDashboardsCommand({})))).toMatchObject({ name: "AccessDenied", status: 403 });
  });

  it("refuses a key within a second of its deletion from KV, and a deactivated one likewise", async () => {
    await putKey("AKIAPLATFORM0000005", "s3cret");
    await putKey("AKIAPLATFORM0000006", "s3cret");
    const a = cw("AKIAPLATFORM0000005", "s3cret");
    const b = cw("AKIAPLATFORM0000006", "s3cret");
    await a.send(new ListDashboardsCommand({})); // cached now
    await b.send(new ListDashboardsCommand({}));
    for (const [client, revoke] of [
      [a, () => keys.delete("AKIAPLATFORM0000005")],
      [b, () => putKey("AKIAPLATFORM0000006", "s3cret", ACCOUNT, "Inactive")],
    ] as const) {
      await revoke();
      const revoked = Date.now();
      let e: { name: string } | undefined;
      while (!e && Date.now() - revoked < 5_000) {
        e = await client.send(new ListDashboardsCommand({})).then(() => undefined, (x: Error) => x);
      }
      expect(e?.name).toBe("InvalidClientTokenId");
      expect(Date.now() - revoked).toBeLessThan(1_000);
    }
  });

  it("answers the Logs JSON protocol's code for an unknown platform key", async () => {
    const logs = new CloudWatchLogsClient({ endpoint: stack.endpoint, region: "us-east-1", maxAttempts: 1, credentials: { accessKeyId: "AKIANOSUCHKEY000000", secretAccessKey: "x" } });
    expect(await failure(logs.send(new DescribeLogGroupsCommand({})))).toMatchObject({ name: "UnrecognizedClientException", status: 400 });
  });
});

describe("platform STS session credentials (ASIA…)", () => {
  const token = "FQoGZXIvYXdzEJr//////////wEaDHBsYXRmb3JtLXRva2Vu";

  it("accepts a session credential with its X-Amz-Security-Token", async () => {
    await putSession("ASIAPLATFORM0000001", "session-secret", token, new Date(Date.now() + 3600_000));
    const r = await cw("ASIAPLATFORM0000001", "session-secret", token).send(new ListDashboardsCommand({}));
    expect(r.DashboardEntries?.map((d) => d.DashboardName)).toContain("platform-owned");
  });

  it.each([
    ["without a token", undefined],
    ["with a wrong token", `${token}x`],
  ])("refuses a session credential %s with InvalidClientTokenId", async (_, sent) => {
    await putSession("ASIAPLATFORM0000002", "session-secret", token, new Date(Date.now() + 3600_000));
    expect(await failure(cw("ASIAPLATFORM0000002", "session-secret", sent).send(new ListDashboardsCommand({})))).toMatchObject({
      name: "InvalidClientTokenId", status: 403,
    });
  });

  // AWS: "ExpiredToken: The security token included in the request is expired" (the SDKs treat it as
  // an expired-credentials error, smithy's util-retry CLOCK_SKEW/EXPIRED list).
  it("refuses an expired session credential with ExpiredToken", async () => {
    await putSession("ASIAPLATFORM0000003", "session-secret", token, new Date(Date.now() - 1000));
    const e = await failure(cw("ASIAPLATFORM0000003", "session-secret", token).send(new ListDashboardsCommand({})));
    expect(e).toMatchObject({ name: "ExpiredToken" });
    expect(e.message).toMatch(/security token included in the request is expired/);
  });
});
