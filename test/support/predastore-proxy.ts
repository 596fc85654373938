/**
 * An S3 endpoint with Predastore's gaps: a proxy in front of the test S3
 * server that answers 501 NotImplemented to ListObjectsV2, DeleteObjects,
 * CopyObject and conditional writes (If-Match / If-None-Match), and records
 * what it refused. What passes is forwarded byte for byte.
 */
import { createServer, request, type Server } from "node:http";
import { closeHttpServer, listenLocal } from "./local-listen.js";

export interface PredastoreProxy {
  url: string;
  /** "METHOD path?query: why" of every refused request. */
  refused: string[];
  stop(): Promise<void>;
}

function missing(method: string, query: URLSearchParams, headers: Record<string, string | string[] | undefined>): string | undefined {
  if (method === "GET" && query.get("list-type") === "2") return "ListObjectsV2";
  if (method === "POST" && query.has("delete")) return "DeleteObjects";
  if (method === "PUT" && headers["x-amz-copy-source"]) return "CopyObject";
  if ((method === "PUT" || method === "POST") && (headers["if-none-match"] || headers["if-match"])) return "conditional write";
  return undefined;
}

export async function startPredastoreProxy(target: string): Promise<PredastoreProxy> {
  const to = new URL(target);
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const why = missing(req.method ?? "", url.searchParams, req.headers);
    if (why) {
      refused.push(`${req.method} ${req.url}: ${why}`);
      req.resume();
      res.writeHead(501, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>${why} is not implemented</Message></Error>`);
      return;
    }
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  const url = await listenLocal(server);
  return {
    url,
    refused,
    stop: () => closeHttpServer(server),
  };
}
