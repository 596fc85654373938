/**
 * Refreshes the vendored AWS service models in models/ from botocore's
 * service-2.json files, the official models with every constraint (min, max,
 * pattern, enum, required) that AWS's servers validate against.
 *
 *   npx tsx scripts/refresh-models.ts [SOURCE...]
 *
 * A SOURCE is a botocore package folder (an installed botocore, e.g. the one
 * `python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))'`
 * prints) or `git:<git dir>` of a boto/botocore clone (its HEAD is read).
 * With none, the installed botocore is asked for. Of all sources the one with
 * the newest botocore version wins. Documentation is stripped (the bulk of the
 * bytes); everything else is kept as botocore has it. models/source.json records
 * where the models came from, so a reader knows how current they are.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const MODELS = join(dirname(fileURLToPath(import.meta.url)), "..", "models");
const SERVICES = [
  { name: "cloudwatch", version: "2010-08-01" },
  { name: "logs", version: "2014-03-28" },
];

interface Source {
  label: string;
  version: string;
  commit?: string;
  read(path: string): Buffer | undefined;
}

function installedBotocore(): string | undefined {
  try {
    return execFileSync("python3", ["-c", "import botocore,os;print(os.path.dirname(botocore.__file__))"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

function versionOf(initPy: string): string {
  const m = /__version__\s*=\s*['"]([^'"]+)['"]/.exec(initPy);
  if (!m) throw new Error("no __version__ in botocore/__init__.py");
  return m[1];
}

function open(spec: string): Source {
  if (spec.startsWith("git:")) {
    const gitDir = spec.slice(4);
    const git = (...args: string[]) => execFileSync("git", ["--git-dir", gitDir, ...args], { maxBuffer: 1 << 28 });
    const commit = git("rev-parse", "HEAD").toString().trim();
    const date = git("log", "-1", "--format=%cI", "HEAD").toString().trim();
    return {
      label: `boto/botocore git ${commit} (${date})`,
      version: versionOf(git("show", "HEAD:botocore/__init__.py").toString()),
      commit,
      read: (path) => {
        try {
          return git("show", `HEAD:botocore/${path}`);
        } catch {
          return undefined;
        }
      },
    };
  }
  return {
    label: `installed botocore at ${spec}`,
    version: versionOf(readFileSync(join(spec, "__init__.py"), "utf8")),
    read: (path) => {
      const file = join(spec, path);
      if (existsSync(file)) return readFileSync(file);
      if (existsSync(`${file}.gz`)) return gunzipSync(readFileSync(`${file}.gz`));
      return undefined;
    },
  };
}

const newer = (a: string, b: string) => {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return false;
};

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== "documentation" && k !== "documentationUrl") out[k] = strip(v);
    return out;
  }
  return value;
}

const specs = process.argv.slice(2);
if (specs.length === 0) {
  const installed = installedBotocore();
  if (!installed) throw new Error("no SOURCE given and no installed botocore found");
  specs.push(installed);
}
const sources = specs.map(open);
const best = sources.reduce((a, b) => (newer(b.version, a.version) ? b : a));
const record: Record<string, unknown> = {
  source: best.label,
  botocoreVersion: best.version,
  ...(best.commit ? { commit: best.commit } : {}),
  refreshed: new Date().toISOString().slice(0, 10),
  services: {} as Record<string, unknown>,
};
for (const { name, version } of SERVICES) {
  const bytes = best.read(`data/${name}/${version}/service-2.json`);
  if (!bytes) throw new Error(`${best.label} has no ${name} ${version} model`);
  const model = strip(JSON.parse(bytes.toString("utf8"))) as { operations: object; metadata: { uid: string } };
  const file = `${name}-${version}.json`;
  writeFileSync(join(MODELS, file), `${JSON.stringify(model, null, 1)}\n`);
  (record.services as Record<string, unknown>)[name] = { file, uid: model.metadata.uid, operations: Object.keys(model.operations).length };
  console.log(`${file}: ${Object.keys(model.operations).length} operations from ${best.label}, botocore ${best.version}`);
}
writeFileSync(join(MODELS, "source.json"), `${JSON.stringify(record, null, 2)}\n`);
