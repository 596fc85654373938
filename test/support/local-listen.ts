/**
 * Listening on a free loopback port and stopping again, for the proxies tests put
 * in front of the service or its S3 server.
 */
import type { Server as HttpServer } from "node:http";
import type { Server as NetServer } from "node:net";

/** Listens on a port the kernel picks and answers the proxy's URL. */
export async function listenLocal(server: NetServer): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Stops an HTTP server, closing its keep-alive connections too. */
export const closeHttpServer = (server: HttpServer) =>
  new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
