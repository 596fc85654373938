/**
 * The access keys the platform's IAM issues (Spinifex, formerly Hive), read
 * from its NATS KV buckets exactly as its gateway reads them
 * (spinifex/gateway/auth.go): long-lived `AKIA…` keys in
 * `spinifex-iam-access-keys`, STS session credentials `ASIA…` in
 * `spinifex-iam-session-credentials` (X-Amz-Security-Token checked against
 * the stored HMAC, expiry), secrets sealed under the master key, the account
 * from the record, and a non-ACTIVE account in `spinifex-accounts` refused.
 *
 * Records are cached and the three buckets watched: a delete or change drops
 * the cached record at once, so a revoked key stops working within the watch's
 * latency. Without a live watch nothing is cached, and no record is trusted
 * longer than CACHE_TTL_MS, should a watch stall without ending.
 */
import { createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { KvWatchInclude, type KV } from "nats";
import { ServiceError, logsError, protocolError } from "../errors.js";
import { getConfig, type Credential } from "../config/config.js";
import { getNats } from "../storage/nats.js";
import type { ErrorStyle, IncomingSignedRequest } from "./sigv4.js";

export const ACCESS_KEYS_BUCKET = "spinifex-iam-access-keys";
export const SESSION_CREDENTIALS_BUCKET = "spinifex-iam-session-credentials";
export const ACCOUNTS_BUCKET = "spinifex-accounts";

/** handlers_iam.AccessKey */
interface AccessKeyRecord {
  access_key_id?: string;
  secret_access_key?: string;
  account_id?: string;
  status?: string;
}

/** handlers_sts.SessionCredential */
interface SessionCredentialRecord {
  access_key_id?: string;
  secret_encrypted?: string;
  session_token_hmac?: string;
  account_id?: string;
  expires_at?: string;
}

/** What a key resolves to: a credential to verify with, or why it is refused before the signature is checked. */
type Resolved =
  | { credential: Credential; expiresAt?: number; tokenHmac?: Buffer }
  | { refused: "unknown" };

/** Bound on cached records: one is ~300 bytes, so about 3 MB. */
const MAX_CACHED = 10_000;
const CACHE_TTL_MS = 60_000;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * bluebottle's masterkey.DecryptBase64: base64(nonce(12) ‖ ciphertext ‖ tag(16)),
 * AES-256-GCM with no additional data. Throws when the key or data is wrong.
 */
export function decryptSecret(sealed: string, masterKey: Buffer): string {
  const data = Buffer.from(sealed, "base64");
  if (data.length < NONCE_BYTES + TAG_BYTES) throw new Error("ciphertext too short");
  const decipher = createDecipheriv("aes-256-gcm", masterKey, data.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString("utf8");
}

/** The access key id a request presents, from the Authorization header or the presigned query. */
export function presentedKeyId(req: IncomingSignedRequest): string | undefined {
  const auth = req.headers.authorization;
  const fromHeader = typeof auth === "string" ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const q = /(?:^|&)X-Amz-Credential=([^&]*)/.exec(req.query ?? "")?.[1];
  if (!q) return undefined;
  try {
    return decodeURIComponent(q).split("/")[0] || undefined;
  } catch {
    return undefined;
  }
}

function sessionToken(req: IncomingSignedRequest): string | undefined {
  const h = req.headers["x-amz-security-token"];
  if (typeof h === "string" && h !== "") return h;
  const q = /(?:^|&)X-Amz-Security-Token=([^&]*)/.exec(req.query ?? "")?.[1];
  try {
    return q ? decodeURIComponent(q) : undefined;
  } catch {
    return undefined;
  }
}

const parse = <T>(value: Uint8Array): T | undefined => {
  try {
    return JSON.parse(Buffer.from(value).toString("utf8")) as T;
  } catch {
    return undefined;
  }
};

interface Cached<V> {
  value: Promise<V>;
  until: number;
}

const loggedOnce = new Set<string>();
function warnOnce(key: string, message: string): void {
  if (loggedOnce.has(key)) return;
  loggedOnce.add(key);
  console.warn(`platform IAM: ${message}`);
}

export class PlatformKeys {
  private readonly keys = new Map<string, Cached<Resolved>>();
  private readonly accounts = new Map<string, Cached<string | undefined>>();
  private buckets?: Promise<{ keys: KV; sessions: KV; accounts: KV }>;
  private watching = false;
  private masterKey?: Buffer;

  constructor(private readonly masterKeyFile: string) {}

  /**
   * The credential for a platform key, or undefined when the request does
   * not present one this store knows (the caller then answers
   * InvalidClientTokenId, as AWS does for an unknown or inactive key).
   * Throws ExpiredToken for an expired session credential.
   */
  async credentialFor(req: IncomingSignedRequest, style: ErrorStyle, now = Date.now()): Promise<Credential | undefined> {
    const id = presentedKeyId(req);
    if (!id || !(id.startsWith("AKIA") || id.startsWith("ASIA"))) return undefined;
    const resolved = await this.resolve(id);
    if ("refused" in resolved) return undefined;
    if (resolved.tokenHmac) {
      if (resolved.expiresAt !== undefined && now > resolved.expiresAt) {
        throw style === "json"
          ? protocolError("ExpiredTokenException", "The security token included in the request is expired")
          : protocolError("ExpiredToken", "The security token included in the request is expired");
      }
      const token = sessionToken(req);
      if (!token) return undefined;
      const got = createHmac("sha256", this.key()).update(token, "utf8").digest();
      if (got.length !== resolved.tokenHmac.length || !timingSafeEqual(got, resolved.tokenHmac)) return undefined;
    }
    return resolved.credential;
  }

  /** After the signature holds (as the gateway orders it): a suspended or terminating account is refused. */
  async checkAccount(accountId: string, style: ErrorStyle): Promise<void> {
    let status = this.cached(this.accounts, accountId);
    if (!status) {
      status = this.open().then(async ({ accounts }) => {
        const e = await accounts.get(accountId);
        return e && e.operation === "PUT" ? parse<{ status?: string }>(e.value)?.status : undefined;
      });
      if (this.watching) this.remember(this.accounts, accountId, status);
    }
    const s = await status.catch(() => undefined);
    if (s === "ACTIVE") return;
    // The gateway's answer for a non-ACTIVE account (auth_accountstatus.go).
    const message = "User is not authorized to perform this action.";
    throw style === "json" ? logsError("AccessDeniedException", message) : protocolError("AccessDenied", message);
  }

  private key(): Buffer {
    if (!this.masterKey) {
      const raw = readFileSync(this.masterKeyFile);
      if (raw.length !== 32) throw new Error(`master key ${this.masterKeyFile} must be 32 bytes, got ${raw.length}`);
      this.masterKey = raw;
    }
    return this.masterKey;
  }

  private resolve(id: string): Promise<Resolved> {
    const cached = this.cached(this.keys, id);
    if (cached) return cached;
    const p = this.load(id).catch((e) => {
      if (e instanceof ServiceError) throw e;
      warnOnce(`load:${(e as Error).message}`, `cannot read key ${id}: ${(e as Error).message}`);
      this.keys.delete(id);
      return { refused: "unknown" } as Resolved;
    });
    if (this.watching) this.remember(this.keys, id, p);
    return p;
  }

  private async load(id: string): Promise<Resolved> {
    const { keys, sessions } = await this.open();
    if (id.startsWith("AKIA")) {
      const e = await keys.get(id);
      const rec = e && e.operation === "PUT" ? parse<AccessKeyRecord>(e.value) : undefined;
      if (!rec || rec.status !== "Active" || !rec.secret_access_key || !/^\d{12}$/.test(rec.account_id ?? "")) {
        return { refused: "unknown" };
      }
      return { credential: { accessKeyId: id, secretAccessKey: this.decrypt(id, rec.secret_access_key), accountId: rec.account_id! } };
    }
    const e = await sessions.get(id);
    const rec = e && e.operation === "PUT" ? parse<SessionCredentialRecord>(e.value) : undefined;
    if (!rec || !rec.secret_encrypted || !rec.session_token_hmac || !/^\d{12}$/.test(rec.account_id ?? "")) return { refused: "unknown" };
    const expiresAt = rec.expires_at ? Date.parse(rec.expires_at) : NaN;
    return {
      credential: { accessKeyId: id, secretAccessKey: this.decrypt(id, rec.secret_encrypted), accountId: rec.account_id! },
      expiresAt: Number.isNaN(expiresAt) ? 0 : expiresAt,
      tokenHmac: Buffer.from(rec.session_token_hmac, "base64"),
    };
  }

  private decrypt(id: string, sealed: string): string {
    try {
      return decryptSecret(sealed, this.key());
    } catch (e) {
      // As the gateway: an undecryptable secret (a rotated master key) is an auth failure, not a fault.
      throw new Error(`secret of ${id} does not decrypt: ${(e as Error).message}`);
    }
  }

  private cached<V>(map: Map<string, Cached<V>>, key: string): Promise<V> | undefined {
    const c = this.watching ? map.get(key) : undefined;
    if (c && c.until > Date.now()) return c.value;
    if (c) map.delete(key);
    return undefined;
  }

  private remember<V>(map: Map<string, Cached<V>>, key: string, value: Promise<V>): void {
    if (map.size >= MAX_CACHED) map.delete(map.keys().next().value as string);
    map.set(key, { value, until: Date.now() + CACHE_TTL_MS });
  }

  /** Binds the platform's buckets (never creates them) and starts the watches once. */
  private open(): Promise<{ keys: KV; sessions: KV; accounts: KV }> {
    this.buckets ??= (async () => {
      const { js } = await getNats();
      const bind = (name: string) => js.views.kv(name, { bindOnly: true });
      const [keys, sessions, accounts] = await Promise.all([bind(ACCESS_KEYS_BUCKET), bind(SESSION_CREDENTIALS_BUCKET), bind(ACCOUNTS_BUCKET)]);
      await this.watch([[keys, this.keys], [sessions, this.keys], [accounts, this.accounts]]);
      return { keys, sessions, accounts };
    })().catch((e) => {
      this.buckets = undefined;
      throw e;
    });
    return this.buckets;
  }

  private async watch(pairs: [KV, Map<string, unknown>][]): Promise<void> {
    const iterators = await Promise.all(pairs.map(([kv]) => kv.watch({ include: KvWatchInclude.UpdatesOnly })));
    this.watching = true;
    iterators.forEach(async (it, i) => {
      const map = pairs[i]![1];
      try {
        for await (const e of it) map.delete(e.key);
      } catch {
        // fall through: a watch that ended can no longer vouch for the cache
      }
      this.watching = false;
      this.keys.clear();
      this.accounts.clear();
      for (const other of iterators) other.stop();
      this.buckets = undefined;
    });
  }
}

const SHARED = Symbol.for("hive.cloudwatch.platform-keys");

/** The process's store of platform keys, or undefined when `[cloudwatch.iam]` is off. */
export function platformKeys(): PlatformKeys | undefined {
  const { iam } = getConfig();
  if (!iam.enabled) return undefined;
  const g = globalThis as Record<symbol, PlatformKeys | undefined>;
  return (g[SHARED] ??= new PlatformKeys(iam.masterKeyFile));
}
