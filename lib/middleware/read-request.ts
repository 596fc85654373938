/**
 * middy middleware: turns the HTTP event into WireState — request id, raw and
 * decompressed body, and the protocol to answer in.
 */
import type { MiddlewareObj } from "@middy/core";
import { gunzipSync } from "node:zlib";
import { getConfig } from "../config/config.js";
import { protocolError } from "../errors.js";
import { guessProtocol } from "../protocol/index.js";
import { rawBytes } from "../runtime/raw-bytes.js";
import type { FrontEvent } from "../front/wire-state.js";

export function readRequest(): MiddlewareObj<FrontEvent> {
  return {
    name: "readRequest",
    before: (request) => {
      const event = request.event;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
      const path = event.rawPath ?? "/";
      const rawBody = !event.isBase64Encoded ? Buffer.from(event.body ?? "", "utf8") : rawBytes(event, "body");
      event.wire = {
        requestId: event.requestContext?.requestId ?? crypto.randomUUID(),
        method: event.requestContext?.http?.method ?? "POST",
        path,
        query: event.rawQueryString ?? "",
        headers,
        rawBody,
        body: rawBody,
        answerAs: guessProtocol(path, headers, event.rawQueryString ?? ""),
      };
      event.wire.body = decodeContent(headers["content-encoding"], rawBody);
    },
  };
}

/**
 * A Content-Encoding header's coding: codings are case-insensitive and x-gzip
 * is gzip (RFC 9110 §8.4.1); the JS SDK v2 sends "GZIP" (localstack's
 * test_put_metric_data_gzip_with_query_protocol, localstack/localstack#3385).
 */
export function contentCoding(header: string | undefined): string {
  const coding = (header ?? "").trim().toLowerCase();
  return coding === "x-gzip" ? "gzip" : coding || "identity";
}

/**
 * The output buffer for gunzipping `body`: the size its trailer declares
 * (ISIZE, RFC 1952 §2.3.1), plus one byte so that zlib does not allocate
 * another once it is full. A body that keeps its word inflates into one buffer,
 * with no 16 KB chunks to concatenate (a copy of every 1000-datum
 * PutMetricData body); one that does not still inflates, in more chunks.
 * Bounded by the limit and by deflate's largest ratio (1032:1).
 */
function outputChunk(body: Buffer, limit: number): number {
  const declared = body.length >= 18 ? body.readUInt32LE(body.length - 4) : 0;
  return Math.max(MIN_CHUNK, Math.min(declared + 1, limit + 1, body.length * 1032 + 1));
}

/** zlib's smallest output chunk (zlib.constants.Z_MIN_CHUNK). */
const MIN_CHUNK = 64;

function decodeContent(header: string | undefined, body: Buffer): Buffer {
  const encoding = contentCoding(header);
  if (encoding === "identity" || body.length === 0) return body;
  if (encoding !== "gzip") {
    throw protocolError("UnsupportedMediaType", `Content-Encoding ${header} is not supported; use gzip.`);
  }
  const limit = getConfig().maxRequestBytes;
  try {
    return gunzipSync(body, { maxOutputLength: limit, chunkSize: outputChunk(body, limit) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
      throw protocolError("RequestEntityTooLarge", `Request size exceeded ${limit} bytes after decompression.`);
    }
    throw protocolError("SerializationException", `The gzip request body could not be decompressed: ${(e as Error).message}`);
  }
}
