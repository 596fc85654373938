/**
 * esbuild bundles of template.yaml's functions.
 *
 * `buildAll` bundles every function in ONE build with code splitting, so the
 * lib/ modules they share are single instances when the local runtime loads
 * them all into one process. The output goes to a directory named after a hash
 * of its content (`.build/local/<hash>/`), written to a temporary directory
 * first and renamed into place: several runtimes (parallel test suites) can
 * build at once without reading each other's half-written files, and an
 * unchanged tree is reused.
 *
 * `buildStandalone` bundles one function on its own, as `sam build` does.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as esbuild from "esbuild";

/** Lets CommonJS dependencies `require()` node builtins from ESM output. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __hiveCreateRequire } from 'module'; const require = __hiveCreateRequire(import.meta.url);";

const COMMON: esbuild.BuildOptions = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  banner: { js: ESM_REQUIRE_BANNER },
  logLevel: "silent",
  legalComments: "none",
};

export interface BuiltEntry {
  /** The entry as given, relative to the root (e.g. functions/front.ts). */
  entry: string;
  /** Absolute path of the bundled module. */
  file: string;
}

export interface BuildAllResult {
  outdir: string;
  entries: Map<string, BuiltEntry>;
  /** True when an identical earlier build was reused. */
  reused: boolean;
}

/** `functions/front.ts` → `functions/front` (the output name, without extension). */
const outName = (entry: string) => entry.replace(/\\/g, "/").replace(/^\.\//, "").replace(/\.[cm]?[jt]sx?$/, "");

/** Bundles every entry (relative to `root`) in one splitting build under `<outRoot>/<hash>/`. */
export async function buildAll(
  entries: string[],
  opts: { root?: string; outRoot?: string } = {},
): Promise<BuildAllResult> {
  const root = resolve(opts.root ?? ".");
  const outRoot = resolve(root, opts.outRoot ?? ".build/local");
  const unique = [...new Set(entries)];
  // Same depth as the final <hash> directory, so source map paths stay right.
  const staging = join(outRoot, "pending");
  const result = await esbuild.build({
    ...COMMON,
    absWorkingDir: root,
    entryPoints: unique.map((e) => ({ in: e, out: outName(e) })),
    splitting: true,
    outdir: staging,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    write: false,
  });
  const hash = createHash("sha256");
  const files = result.outputFiles
    .map((f) => ({ rel: relative(staging, f.path), contents: f.contents }))
    .sort((a, b) => (a.rel < b.rel ? -1 : 1));
  for (const f of files) hash.update(f.rel).update("\0").update(f.contents);
  const outdir = join(outRoot, hash.digest("hex").slice(0, 16));
  let reused = existsSync(join(outdir, ".complete"));
  if (!reused) {
    const tmp = join(outRoot, `.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
    for (const f of files) {
      const path = join(tmp, f.rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.contents);
    }
    writeFileSync(join(tmp, ".complete"), "");
    try {
      renameSync(tmp, outdir);
    } catch (e) {
      // Another runtime finished the same build first: theirs is identical.
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(outdir, ".complete"))) throw e;
      reused = true;
    }
  }
  pruneOldBuilds(outRoot, outdir);
  const map = new Map<string, BuiltEntry>();
  for (const e of unique) map.set(e, { entry: e, file: join(outdir, `${outName(e)}.mjs`) });
  return { outdir, entries: map, reused };
}

/** Removes builds (and stale temporaries) not touched for a day; a running runtime has loaded its own already. */
function pruneOldBuilds(outRoot: string, keep: string): void {
  const dayAgo = Date.now() - 86_400_000;
  let names: string[] = [];
  try {
    names = readdirSync(outRoot);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(outRoot, name);
    if (path === keep || name === "pending") continue;
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}

/** Bundles one function on its own (no splitting), like `sam build` with BuildMethod esbuild. */
export async function buildStandalone(
  entry: string,
  outfile: string,
  opts: { root?: string } = {},
): Promise<esbuild.BuildResult & { metafile: esbuild.Metafile }> {
  mkdirSync(dirname(resolve(outfile)), { recursive: true });
  return esbuild.build({
    ...COMMON,
    absWorkingDir: resolve(opts.root ?? "."),
    entryPoints: [entry],
    outfile: resolve(outfile),
    metafile: true,
  }) as Promise<esbuild.BuildResult & { metafile: esbuild.Metafile }>;
}

/** Ends esbuild's service process (it restarts on the next build). */
export async function stopEsbuild(): Promise<void> {
  await esbuild.stop();
}
