/**
 * The local HTTP front door, shaped like a Lambda Function URL: every request
 * becomes an API Gateway HTTP API v2 event for the `Front` function, and its
 * result becomes the response. `/_hive/*` is the runtime's own: health, and in
 * local mode firing a scheduled function on demand.
 */
import type { MemoryReport } from "../lib/capacity/memory.js";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { ServiceError, internalFailure, protocolError } from "../lib/errors.js";
import { encodeEarlyError } from "../lib/protocol/index.js";
import { invokeFunction } from "../lib/runtime/invoke.js";
import { withRawBytes } from "../lib/runtime/raw-bytes.js";
import { getNats } from "../lib/storage/nats.js";
import { getS3 } from "../lib/storage/s3.js";

export interface HttpServerOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  /** The bucket HeadBucket checks for health. */
  healthBucket: string;
  /** How many functions are loaded (reported by health). */
  functionCount: () => number;
  /** The function every API request goes to. */
  frontFunction?: string;
  frontTimeoutMs?: number;
  /** Fires a scheduled function now (`POST /_hive/schedule/<LogicalId>[?event=Name]`); local mode only. */
  fireSchedule?: (logicalId: string, eventName?: string) => Promise<unknown>;
  /**
   * Admission of an API request once its body has arrived: the release of
   * what it holds, called once its answer is written, or the error to answer
   * at once without invoking anything (the service's throttling error).
   */
  admit?: (request: AdmissionRequest) => (() => void) | ServiceError;
  /** Each isolate's memory and the process's RSS against its budget (`GET /_hive/memory`). */
  memoryReport?: () => Promise<MemoryReport>;
  log?: (message: string, error?: unknown) => void;
}

export interface AdmissionRequest {
  method: string;
  path: string;
  query: string;
  /** Names lower-cased. */
  headers: Record<string, string>;
  /** As received (gzip stays gzip). */
  body: Buffer;
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to graceMs), then closes every socket. */
  close(graceMs?: number): Promise<void>;
}

export interface Health {
  status: "ok" | "degraded";
  nats: "up" | "down";
  s3: "up" | "down";
  functions: number;
}

/**
 * The listen backlog asked for; Linux caps it at net.core.somaxconn (4096
 * since 5.4). Node's default, 511, overflowed under a flood: libuv accepts
 * one connection per event-loop turn, a turn lasts milliseconds then, and a
 * connection the full queue drops half-open is reset a minute later.
 */
export const LISTEN_BACKLOG = 65_535;

/** The kernel's cap on a listen backlog, where it says. */
function somaxconn(): number | undefined {
  try {
    return Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8")) || undefined;
  } catch {
    return undefined;
  }
}

/** Past the limit, at most this much more of a body is read and discarded before the connection is dropped. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export async function checkHealth(bucket: string, functions: number): Promise<Health> {
  const [nats, s3] = await Promise.all([
    (async () => {
      const { nc } = await withTimeout(getNats(), 2000, "NATS connect");
      if (nc.isClosed()) return "down";
      await withTimeout(nc.rtt(), 2000, "NATS ping");
      return "up";
    })().catch(() => "down" as const),
    withTimeout(getS3().send(new HeadBucketCommand({ Bucket: bucket })), 3000, "S3 HeadBucket")
      .then(() => "up" as const)
      .catch(() => "down" as const),
  ]);
  return { status: nats === "up" && s3 === "up" ? "ok" : "degraded", nats: nats as Health["nats"], s3, functions };
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    headers[name] = name in headers ? `${headers[name]},${raw[i + 1]}` : raw[i + 1];
  }
  return headers;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendEncoded(res: ServerResponse, out: { statusCode: number; headers: Record<string, string>; body: Buffer | string }): void {
  if (res.headersSent) return void res.destroy();
  const headers: Record<string, string | number> = { ...out.headers, "content-length": Buffer.byteLength(out.body) };
  res.writeHead(out.statusCode, headers);
  res.end(out.body);
}

export function buildEvent(
  req: IncomingMessage,
  headers: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQueryString = q < 0 ? "" : url.slice(q + 1);
  const now = Date.now();
  const requestId = randomUUID();
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: "anonymous",
      apiId: "hive-cloudwatch",
      domainName: headers.host ?? "localhost",
      domainPrefix: (headers.host ?? "localhost").split(".")[0],
      http: {
        method: req.method ?? "GET",
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: true,
  };
  // The body as it came: encoded to base64 only if something reads event.body.
  withRawBytes(event, "body", body);
  if (rawQueryString) {
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) params[k] = k in params ? `${params[k]},${v}` : v;
    event.queryStringParameters = params;
  }
  if (headers.cookie) event.cookies = headers.cookie.split(/;\s*/).filter(Boolean);
  return event;
}

/** Writes a Lambda Function URL result: `{statusCode, headers, body, isBase64Encoded, cookies}` or any JSON value. */
function sendResult(res: ServerResponse, result: any): void {
  if (result === null || typeof result !== "object" || typeof result.statusCode !== "number") {
    // Function URLs treat anything else as a 200 JSON body.
    const text = typeof result === "string" ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  // Text bodies go to the socket as they are: copying a large answer into a Buffer first cost as much as writing it.
  const body: Buffer | string =
    result.body === undefined || result.body === null
      ? Buffer.alloc(0)
      : Buffer.isBuffer(result.body) ? result.body
      : result.body instanceof Uint8Array ? Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength)
      : result.isBase64Encoded ? Buffer.from(String(result.body), "base64")
      : String(result.body);
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries<any>(result.headers ?? {})) if (v !== undefined) headers[k] = String(v);
  for (const [k, v] of Object.entries<any>(result.multiValueHeaders ?? {})) headers[k] = (v as unknown[]).map(String);
  if (Array.isArray(result.cookies) && result.cookies.length) headers["set-cookie"] = result.cookies.map(String);
  headers["content-length"] = Buffer.byteLength(body);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

export function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const front = opts.frontFunction ?? "Front";
  const limit = opts.maxRequestBytes;
  const log = opts.log ?? ((m, e) => (e === undefined ? console.error(m) : console.error(m, e)));

  const earlyError = (req: IncomingMessage, headers: Record<string, string>, error: ServiceError) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    try {
      return encodeEarlyError(req.method ?? "GET", q < 0 ? url : url.slice(0, q), headers, error);
    } catch (e) {
      log("encodeEarlyError failed", e);
      const body = Buffer.from(JSON.stringify({ __type: error.code, message: error.message }));
      return { statusCode: error.status, headers: { "content-type": "application/json" }, body };
    }
  };

  const internal = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === "/_hive/health" && (req.method === "GET" || req.method === "HEAD")) {
      return sendJson(res, 200, await checkHealth(opts.healthBucket, opts.functionCount()));
    }
    if (path === "/_hive/memory" && req.method === "GET" && opts.memoryReport) {
      return sendJson(res, 200, await opts.memoryReport());
    }
    const m = /^\/_hive\/schedule\/([A-Za-z0-9]+)$/.exec(path);
    if (m && req.method === "POST" && opts.fireSchedule) {
      const eventName = new URL(req.url ?? "/", "http://x").searchParams.get("event") ?? undefined;
      try {
        const result = await opts.fireSchedule(m[1], eventName);
        return sendJson(res, 200, { result: result ?? null });
      } catch (e) {
        return sendJson(res, 500, { error: (e as Error).message ?? String(e) });
      }
    }
    return sendJson(res, 404, { error: `no such runtime endpoint: ${req.method} ${path}` });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    if (url.startsWith("/_hive/")) {
      req.resume();
      const q = url.indexOf("?");
      internal(req, res, q < 0 ? url : url.slice(0, q)).catch((e) => {
        log("runtime endpoint failed", e);
        if (!res.headersSent) sendJson(res, 500, { error: String(e) });
      });
      return;
    }
    const headers = headerRecord(req);
    const declared = Number(headers["content-length"]);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let discarded = 0;

    const reject = () => {
      tooLarge = true;
      chunks.length = 0;
      sendEncoded(
        res,
        earlyError(req, headers, protocolError("RequestEntityTooLarge", `Request size exceeded ${limit} bytes`)),
      );
    };
    if (declared > limit) reject();

    req.on("data", (chunk: Buffer) => {
      if (tooLarge) {
        // Keep reading (and dropping) so the client gets the answer instead of a reset; but not forever.
        discarded += chunk.length;
        if (discarded > DISCARD_LIMIT) req.socket.destroy();
        return;
      }
      size += chunk.length;
      if (size > limit) return reject();
      chunks.push(chunk);
    });
    req.on("error", () => undefined);
    req.on("end", () => {
      if (tooLarge) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      let release: (() => void) | undefined;
      if (opts.admit) {
        const q = url.indexOf("?");
        const admitted = opts.admit({ method: req.method ?? "GET", path: q < 0 ? url : url.slice(0, q), query: q < 0 ? "" : url.slice(q + 1), headers, body });
        if (admitted instanceof ServiceError) return sendEncoded(res, earlyError(req, headers, admitted));
        release = admitted;
      }
      let event: APIGatewayProxyEventV2;
      try {
        event = buildEvent(req, headers, body);
      } catch (e) {
        release?.();
        log("bad request", e);
        return sendEncoded(res, earlyError(req, headers, protocolError("MalformedInput", "The request could not be read.")));
      }
      invokeFunction(front, event, opts.frontTimeoutMs).finally(() => release?.()).then(
        (result) => {
          try {
            sendResult(res, result);
          } catch (e) {
            log(`${front} returned a result that is not a valid response`, e);
            sendEncoded(res, earlyError(req, headers, internalFailure()));
          }
        },
        (e) => {
          log(`${front} failed on ${req.method} ${url}`, e);
          sendEncoded(res, earlyError(req, headers, internalFailure()));
        },
      );
    });
  };

  const server = createServer({ keepAlive: true, noDelay: true }, handle);
  server.keepAliveTimeout = 65_000; // longer than the SDKs' idle socket timeouts
  server.headersTimeout = 66_000;
  // A body that never completes (a client whose Content-Length overstates
  // its body, as the JS SDK's CBOR protocol does when it gzips) gets a 408
  // after this, not the default five minutes.
  server.requestTimeout = 70_000;
  server.on("clientError", (err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: opts.port, host: opts.host, backlog: LISTEN_BACKLOG }, () => {
      server.off("error", reject);
      const cap = somaxconn();
      if (cap !== undefined && cap < 4096) log(`warning: net.core.somaxconn is ${cap}: a burst of more new connections than that while the service is busy is dropped, and reset`);
      const { port } = server.address() as AddressInfo;
      const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      resolve({
        server,
        port,
        url: `http://${host}:${port}`,
        close: (graceMs = 5000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => (clearTimeout(timer), done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}
