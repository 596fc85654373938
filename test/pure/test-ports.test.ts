/**
 * Every test server chooses its own port and the helpers read it back
 * (nats-server `listen: 127.0.0.1:-1` and its ports file, s3rver and the service
 * on port 0). Finding a free port by binding and closing one races when suites
 * run in parallel: another process can take it before the server binds it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const SELF = relative(ROOT, __filename);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Ways a port is found and handed on: a helper by a usual name, the get-port package, a server bound to port 0 only to be closed. */
const FREE_PORT_FINDERS: [string, RegExp][] = [
  ["a free-port helper", /\b(freePort|getFreePort|findFreePort|getPort|pickPort)\b/],
  ["the get-port package", /["'](get-port|portfinder|detect-port)["']/],
  // A server that listens on port 0 and serves is right; one closed in its own listen callback only found a port.
  ["a socket bound to port 0 then closed", /\.listen\(\s*0\b[^;]*?=>\s*\{[\s\S]{0,300}?\.close\(/],
];

const files = [...tsFiles(join(ROOT, "test")), ...tsFiles(join(ROOT, "local"))]
  .map((f) => relative(ROOT, f))
  .filter((f) => f !== SELF);

describe("test servers choose their own ports", () => {
  it("scans the test helpers, the tests and the local runtime", () => {
    expect(files).toContain("test/support/servers.ts");
    expect(files).toContain("test/support/stack.ts");
    expect(files).toContain("local/processes.ts");
  });

  it("recognises a free-port finder (the check can fail)", () => {
    const finder = `srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });`;
    expect(FREE_PORT_FINDERS.filter(([, re]) => re.test(finder)).map(([what]) => what)).toEqual([
      "a socket bound to port 0 then closed",
    ]);
    expect(FREE_PORT_FINDERS[0][1].test("const port = await freePort();")).toBe(true);
  });

  it.each(FREE_PORT_FINDERS)("no file finds a port by %s", (_what, re) => {
    expect(files.filter((f) => re.test(readFileSync(join(ROOT, f), "utf8")))).toEqual([]);
  });
});
