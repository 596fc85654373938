/**
 * A TCP proxy in front of the service that drops a connection after the
 * request went through: the first request whose headers `drop` accepts is
 * forwarded whole, the service answers it, and the proxy resets the client's
 * socket instead of passing the answer on. A real client then sees a dropped
 * connection (ECONNRESET) for a request the service did carry out, and
 * retries it. Every request's headers are recorded, with the status the
 * service answered.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { listenLocal } from "./local-listen.js";

export interface SeenRequest {
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The status line's code the service answered on this connection, once it did. */
  answered?: number;
  /** Whether the proxy dropped the client's connection instead of passing that answer on. */
  dropped: boolean;
}

export interface DroppingProxy {
  url: string;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

const HEADER_BLOCK = /(?:^|\r\n)[A-Z]+ \S+ HTTP\/1\.1\r\n([\s\S]*?)\r\n\r\n/g;

export async function startDroppingProxy(target: string, drop: (headers: Record<string, string>) => boolean): Promise<DroppingProxy> {
  const to = new URL(target);
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let dropped = false;

  const server: Server = createServer((client) => {
    const upstream = connect(Number(to.port), to.hostname);
    sockets.add(client).add(upstream);
    let seen = "";
    let scanned = 0;
    /** This connection's requests not answered yet, oldest first. */
    const waiting: SeenRequest[] = [];
    let dropThis = false;
    client.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      HEADER_BLOCK.lastIndex = scanned;
      for (let m = HEADER_BLOCK.exec(seen); m; m = HEADER_BLOCK.exec(seen)) {
        scanned = HEADER_BLOCK.lastIndex;
        const headers: Record<string, string> = {};
        for (const line of m[1].split("\r\n")) {
          const at = line.indexOf(":");
          if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
        }
        const r: SeenRequest = { headers, dropped: false };
        if (!dropped && drop(headers)) {
          dropped = true;
          dropThis = true;
          r.dropped = true;
        }
        requests.push(r);
        waiting.push(r);
      }
      // Bodies can be large: only the tail that may hold a header block still to come is kept.
      if (seen.length > 1 << 20) {
        const keep = seen.slice(scanned).slice(-65_536);
        seen = keep;
        scanned = 0;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString("latin1", 0, 16));
      const r = status ? waiting.shift() : undefined;
      if (r) r.answered = Number(status![1]);
      if (dropThis && r?.dropped) {
        // The answer is the service's proof it carried the request out; the client never gets it.
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  const url = await listenLocal(server);
  return {
    url,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
