/**
 * A cheap PutMetricData load generator: what the JS SDK sends over its
 * default protocol (awsJson1_0, the body gzipped as its request compression
 * does past 10 KB, signed with SigV4 by the SDK's own signer), but built from
 * bodies prepared once and sent over raw keep-alive sockets. SDK clients
 * building, serializing and gzipping 1,000-datum batches on the service's two
 * cores could start only ~1.1x what it sustains; this costs a small fraction.
 *
 * Throttling is retried as the SDK's standard mode retries it (3 attempts,
 * full-jitter backoff from 500 ms, 100 ms for 5xx, a 500-token retry quota:
 * @smithy/core util-retry), so the load the service sees is an SDK fleet's.
 */
import { Agent, request } from "node:http";
import { gzipSync } from "node:zlib";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "./sha256.js";

export interface FloodTarget {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RawDatum {
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  /** Epoch seconds, as awsJson1_0 sends a timestamp. */
  Timestamp: number;
  Value: number;
}

/** How one call ended, after its retries. */
export interface PutOutcome {
  acknowledged: boolean;
  /** Throttling answers among its attempts. */
  throttled: number;
  /** 5xx answers among its attempts. */
  serverErrors: number;
  /** The first Throttling answer's status and body, as received. */
  throttling?: { status: number; body: string };
  /** Set when it failed with something other than Throttling or 5xx. */
  error?: string;
}

/** A PutMetricData body as the SDK sends it over awsJson1_0 (gzip). */
export function putMetricDataBody(namespace: string, data: readonly RawDatum[]): Buffer {
  return gzipSync(JSON.stringify({ Namespace: namespace, MetricData: data }));
}

// The standard retry mode's figures (@smithy/core util-retry constants).
const MAX_ATTEMPTS = 3;
const THROTTLING_DELAY_BASE_MS = 500;
const DEFAULT_DELAY_BASE_MS = 100;
const MAX_DELAY_MS = 20_000;
const INITIAL_RETRY_TOKENS = 500;
const RETRY_COST = 5;
const NO_RETRY_INCREMENT = 1;
/** @smithy/core retry (service-error-classification): NODEJS_TIMEOUT_ERROR_CODES and NODEJS_NETWORK_ERROR_CODES. */
const TRANSIENT_NETWORK_ERRORS = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** One client: its own sockets and retry quota, as one SDK client has. */
export class RawPutMetricData {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private retryTokens = INITIAL_RETRY_TOKENS;

  constructor(
    private readonly target: FloodTarget,
    opts: { sockets?: number } = {},
  ) {
    this.url = new URL(target.endpoint);
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.sockets ?? 64 });
    this.signer = new SignatureV4({
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
      region: target.region,
      service: "monitoring",
      sha256: Sha256 as any,
    });
  }

  /** One PutMetricData call of a prepared body (putMetricDataBody), retried as the SDK retries. */
  async send(body: Buffer): Promise<PutOutcome> {
    const out: PutOutcome = { acknowledged: false, throttled: 0, serverErrors: 0 };
    for (let attempt = 1; ; attempt++) {
      let answer: { status: number; text: string };
      try {
        answer = await this.attempt(body, attempt);
      } catch (e) {
        // The SDK retries these as transient: a keep-alive socket the server closed as it was reused resets.
        const code = (e as NodeJS.ErrnoException).code ?? "";
        if (!TRANSIENT_NETWORK_ERRORS.has(code) || attempt >= MAX_ATTEMPTS || this.retryTokens < RETRY_COST) {
          return { ...out, error: `network: ${(e as Error).message}` };
        }
        this.retryTokens -= RETRY_COST;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * DEFAULT_DELAY_BASE_MS * 2 ** (attempt - 1))));
        continue;
      }
      if (answer.status === 200) {
        this.retryTokens = Math.min(INITIAL_RETRY_TOKENS, this.retryTokens + (attempt > 1 ? RETRY_COST : NO_RETRY_INCREMENT));
        return { ...out, acknowledged: true };
      }
      const throttling = answer.status === 400 && /Throttling/.test(answer.text);
      if (throttling) out.throttling ??= { status: answer.status, body: answer.text };
      if (throttling) out.throttled++;
      else if (answer.status >= 500) out.serverErrors++;
      else return { ...out, error: `${answer.status} ${answer.text.slice(0, 200)}` };
      if (attempt >= MAX_ATTEMPTS || this.retryTokens < RETRY_COST) return out;
      this.retryTokens -= RETRY_COST;
      const base = throttling ? THROTTLING_DELAY_BASE_MS : DEFAULT_DELAY_BASE_MS;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * Math.min(base * 2 ** (attempt - 1), MAX_DELAY_MS))));
    }
  }

  /** The headers of one attempt at sending `body`, signed. */
  async signedHeaders(body: Buffer, attempt = 1): Promise<Record<string, string>> {
    const signed = await this.signer.sign({
      method: "POST",
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: Number(this.url.port),
      path: "/",
      query: {},
      headers: {
        host: this.url.host,
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "GraniteServiceVersion20100801.PutMetricData",
        "content-encoding": "gzip",
        "content-length": String(body.length),
        "amz-sdk-request": `attempt=${attempt}; max=${MAX_ATTEMPTS}`,
      },
      body,
    });
    return signed.headers;
  }

  private async attempt(body: Buffer, attempt: number): Promise<{ status: number; text: string }> {
    const headers = await this.signedHeaders(body, attempt);
    return new Promise((resolve, reject) => {
      const req = request(
        { agent: this.agent, host: this.url.hostname, port: this.url.port, method: "POST", path: "/", headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** What a flood's calls came to; `inFlight` is live while it runs. */
export interface FloodCounts {
  inFlight: number;
  acked: number;
  failed: number;
  gaveUp: number;
  throttled: number;
}

/**
 * An open-loop flood: `writers` writers, each with its own sockets, start a
 * call of `batch` datums every writers × batch / rate seconds (the writers
 * spread over one such spacing) from `started` until `deadline`, answered or
 * not; a call due while `maxInFlight` are out is skipped. Writer w's k-th call
 * sends body(w + k). Returns when every call has its answer.
 */
export async function pacedFlood(
  target: FloodTarget,
  opts: { writers: number; rate: number; batch: number; maxInFlight: number; started: number; deadline: number; body: (i: number) => Buffer },
  counts: FloodCounts = { inFlight: 0, acked: 0, failed: 0, gaveUp: 0, throttled: 0 },
): Promise<FloodCounts> {
  const { writers, maxInFlight, started, deadline } = opts;
  const spacing = (writers * opts.batch * 1000) / opts.rate;
  const writer = async (w: number) => {
    const client = new RawPutMetricData(target, { sockets: Math.ceil(maxInFlight / writers) });
    const pending = new Set<Promise<void>>();
    let i = w;
    for (let due = started + (w * spacing) / writers; due < deadline && Date.now() < deadline; due += spacing, i++) {
      const wait = due - Date.now();
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
      if (counts.inFlight >= maxInFlight) continue;
      counts.inFlight++;
      const call: Promise<void> = client.send(opts.body(i)).then((o) => {
        counts.throttled += o.throttled;
        if (o.acknowledged) counts.acked++;
        else if (o.error) counts.failed++;
        else counts.gaveUp++;
      }).finally(() => (counts.inFlight--, pending.delete(call)));
      pending.add(call);
    }
    await Promise.all(pending);
    client.close();
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  return counts;
}
