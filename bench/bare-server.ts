/**
 * The ingest benchmark's ceiling: an HTTP server that reads each body,
 * gunzips it when compressed, JSON.parses it and answers `{}`. Nothing else.
 */
import { createServer } from "node:http";
import { gunzipSync } from "node:zlib";

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    let body = Buffer.concat(chunks);
    if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
    JSON.parse(body.toString("utf8"));
    res.writeHead(200, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "bare" });
    res.end("{}");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  process.send?.({ port });
});
