/**
 * The import graph of lib/: no cycles (type-only imports count too, as madge
 * counts them: a cycle of types still ties two files' meanings together), and
 * lib/ never reaches into the local runtime or the handlers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const LIB = join(ROOT, "lib");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** `import … from`, `import type … from`, `export … from` (clauses may span lines), bare `import "x"`, and `import("x")`. */
const IMPORT_FORMS = [
  /^\s*(?:import|export)\s+(?:type\s+)?(?:\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+["']([^"']+)["']/gm,
  /^\s*import\s+["']([^"']+)["']/gm,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
];

/** Relative imports of each lib/ file (static, type-only, re-exports and dynamic), as repo paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(LIB)) {
    const src = readFileSync(file, "utf8");
    const deps = IMPORT_FORMS.flatMap((form) => [...src.matchAll(form)].map((m) => m[1]))
      .filter((spec) => spec.startsWith("."))
      .map((spec) => relative(ROOT, resolve(dirname(file), spec.replace(/\.js$/, ".ts"))));
    graph.set(relative(ROOT, file), deps);
  }
  return graph;
}

/** Every cycle's files (strongly connected components of more than one file, or a file importing itself). */
function findCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe("lib/ import graph", () => {
  const graph = importGraph();

  it("reads the imports of every lib/ file, type-only imports included", () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get("lib/metrics/encoding/delta-codec.ts")).toContain("lib/metrics/store/tiers.ts");
    expect(graph.get("lib/metrics/encoding/ingest-codec.ts")).toContain("lib/metrics/read/aggregate.ts"); // `import type`
  });

  it("finds a cycle when there is one (the check can fail)", () => {
    const g = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts", "d.ts"]],
      ["e.ts", ["a.ts"]],
    ]);
    expect(findCycles(g)).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
  });

  it("has no import cycle", () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it("never imports local/ or functions/", () => {
    const outside = [...graph].flatMap(([file, deps]) =>
      deps.filter((d) => d.startsWith("local/") || d.startsWith("functions/")).map((d) => `${file} → ${d}`),
    );
    expect(outside).toEqual([]);
  });
});
