/**
 * An S3 endpoint that can stop log compaction half-way, for crash tests: a
 * proxy in front of the test S3 server that forwards every request byte for
 * byte, records each log chunk PUT (key and body) and DELETE, and, once
 * closed, lets a given number of chunk PUTs through and holds the rest
 * unanswered until it is opened again. While it holds one, the compaction
 * that sent it has provably started (the PUTs let through were answered) and
 * provably not finished (a chunk is written before its commit).
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeHttpServer, listenLocal } from "./local-listen.js";

const CHUNK_KEY = /\/chunk-\d+\.log\.gz$/;

export interface ChunkPut {
  /** The object key (bucket left out). */
  key: string;
  body: Buffer;
  /** S3's answer. */
  status: number;
}

export interface S3Gate {
  url: string;
  /** Chunk PUTs S3 answered, in the order it answered them. */
  puts: ChunkPut[];
  /** Keys of chunk objects deleted through the gate. */
  deletes: string[];
  /** From now on lets `pass` more chunk PUTs through, then holds the others. */
  close(pass: number): void;
  /** How many chunk PUTs are held now. */
  held(): number;
  /** Opens the gate: held PUTs whose sender is still connected go on to S3; a dead sender's are dropped. */
  open(): void;
  stop(): Promise<void>;
}

export async function startS3Gate(target: string): Promise<S3Gate> {
  const to = new URL(target);
  const puts: ChunkPut[] = [];
  const deletes: string[] = [];
  let budget = Infinity;
  let holding: { req: IncomingMessage; res: ServerResponse; body: Buffer }[] = [];

  const keyOf = (req: IncomingMessage) => decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/[^/]+\//, "");
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const headers = { ...req.headers };
    delete headers.expect; // the body is here already
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, (r) => {
      if (CHUNK_KEY.test(req.url?.split("?")[0] ?? "") && r.statusCode && r.statusCode < 300) {
        if (req.method === "PUT") puts.push({ key: keyOf(req), body, status: r.statusCode });
        if (req.method === "DELETE") deletes.push(keyOf(req));
      }
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    up.end(body);
  };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      const chunkPut = req.method === "PUT" && CHUNK_KEY.test(req.url?.split("?")[0] ?? "");
      if (chunkPut && budget <= 0) {
        holding.push({ req, res, body });
        return;
      }
      if (chunkPut) budget--;
      forward(req, res, body);
    });
  });
  const url = await listenLocal(server);
  return {
    url,
    puts,
    deletes,
    close: (pass) => {
      budget = pass;
    },
    held: () => holding.filter((h) => !h.req.socket.destroyed).length,
    open: () => {
      budget = Infinity;
      const waiting = holding;
      holding = [];
      for (const h of waiting) if (!h.req.socket.destroyed) forward(h.req, h.res, h.body);
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const h of holding) h.res.destroy();
        holding = [];
        void closeHttpServer(server).then(r);
      }),
  };
}
