/**
 * An HTTP proxy in front of a real server (the test S3 server) that holds the
 * requests a test names until it lets them go: a way to stop the service at a
 * known point of its work (an export task mid-write) without a sleep. What
 * passes is forwarded byte for byte.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { closeHttpServer, listenLocal } from "./local-listen.js";

export interface Hold {
  /** Resolves with "METHOD path" of the first request held. */
  arrived: Promise<string>;
  /** Forwards the held requests (and lets later matching ones pass); resolves once their answers are sent on. */
  release(): Promise<void>;
}

export interface HoldingProxy {
  url: string;
  /** Holds every request `match` accepts from now until the hold is released. */
  hold(match: (method: string, path: string) => boolean): Hold;
  stop(): Promise<void>;
}

export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const to = new URL(target);
  interface Active {
    match: (method: string, path: string) => boolean;
    held: Array<() => Promise<void>>;
    arrived: (what: string) => void;
    released: boolean;
  }
  const holds = new Set<Active>();

  /** Forwards one request; resolves when its answer has been sent on. */
  const forward = (req: IncomingMessage, res: import("node:http").ServerResponse) =>
    new Promise<void>((done) => {
      const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        res.once("finish", () => done());
        res.once("close", () => done());
      });
      up.on("error", () => (res.destroy(), done()));
      req.pipe(up);
    });

  const server: Server = createServer((req, res) => {
    const method = req.method ?? "";
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    for (const h of holds) {
      if (!h.released && h.match(method, path)) {
        h.held.push(() => forward(req, res));
        h.arrived(`${method} ${path}`);
        return;
      }
    }
    void forward(req, res);
  });
  const url = await listenLocal(server);
  return {
    url,
    hold(match) {
      let arrived!: (what: string) => void;
      const first = new Promise<string>((r) => (arrived = r));
      const h: Active = { match, held: [], arrived, released: false };
      holds.add(h);
      return {
        arrived: first,
        async release() {
          h.released = true;
          holds.delete(h);
          await Promise.all(h.held.splice(0).map((go) => go()));
        },
      };
    },
    stop: () => closeHttpServer(server),
  };
}
