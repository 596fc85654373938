/**
 * docs/formats/ specifies every stored layout once: each binary format's page
 * names the version the code writes, every file that writes stored bytes
 * points to its page, and every page a comment points to exists.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

// The binary formats: the file writing each, its version constant, and its page (whose title names the version).
const BINARY: Array<[string, string, string, string]> = [
  ["chunk", "lib/metrics/encoding/chunk.ts", "VERSION", "docs/formats/chunk.md"],
  ["stored chunk record", "lib/metrics/store/chunk-store.ts", "FORMAT", "docs/formats/chunk.md"],
  ["ingest message", "lib/metrics/encoding/ingest-codec.ts", "INGEST_VERSION", "docs/formats/ingest-message.md"],
  ["delta record", "lib/metrics/encoding/delta-codec.ts", "FORMAT", "docs/formats/delta-record.md"],
  ["window listing", "lib/metrics/encoding/window-listing.ts", "FORMAT", "docs/formats/window-listing.md"],
];

describe("docs/formats", () => {
  it.each(BINARY)("the %s: the page names the version the code writes, and the code points to the page", (what, file, constant, page) => {
    const version = new RegExp(`^(?:export )?const ${constant} = (\\d+);`, "m").exec(read(file))?.[1];
    expect(version, `${file} declares ${constant}`).toBeDefined();
    const title = read(page).split("\n")[0];
    expect(title.toLowerCase()).toContain(`${what}`.split(" ").pop()!);
    expect(title).toMatch(new RegExp(`\\((version|format) ${version}\\)`));
    expect(read(file)).toContain(page);
  });

  it("is pointed to by every file that reads or writes stored bytes with ByteReader / ByteWriter", () => {
    const codecs = tsFiles("lib").filter((f) => /\bByte(Reader|Writer)\b/.test(read(f)));
    expect(codecs).toEqual(expect.arrayContaining(BINARY.map(([, file]) => file).filter((f) => f.includes("encoding"))));
    expect(codecs.filter((f) => !/docs\/formats\/[\w-]+\.md/.test(read(f)))).toEqual([]);
  });

  it("has every page a comment in lib/ points to, and an index listing every page", () => {
    const pointed = new Set(tsFiles("lib").flatMap((f) => [...read(f).matchAll(/docs\/formats\/([\w-]+\.md)/g)].map((m) => m[1])));
    expect(pointed.size).toBeGreaterThanOrEqual(6);
    for (const page of pointed) expect(existsSync(join(ROOT, "docs/formats", page)), page).toBe(true);
    const index = read("docs/formats/README.md");
    for (const page of readdirSync(join(ROOT, "docs/formats")).filter((p) => p !== "README.md")) expect(index, page).toContain(`(${page})`);
  });
});
