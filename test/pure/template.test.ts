/**
 * template.yaml is the single source of truth for the functions: each one must
 * build with esbuild on its own (as `sam build` does) and export its handler,
 * and every Schedule expression must parse.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStandalone } from "../../local/build.js";
import { parseSchedule } from "../../local/schedule.js";
import { loadTemplate, parseTemplateText, interpretTemplate } from "../../local/template.js";
import { loadConfig } from "../../lib/config/config.js";

const ROOT = resolve(import.meta.dirname, "../..");
const template = loadTemplate(join(ROOT, "template.yaml"));

describe("template.yaml", () => {
  it("declares a Front function", () => {
    expect(template.functions.map((f) => f.logicalId)).toContain("Front");
  });

  it("has unique entry points per handler", () => {
    const seen = new Map<string, string>();
    for (const f of template.functions) {
      const key = `${f.entry}#${f.exportName}`;
      expect(seen.get(key), `${f.logicalId} and ${seen.get(key)} share ${key}`).toBeUndefined();
      seen.set(key, f.logicalId);
    }
  });

  it("reserves the ingest functions' concurrency with [cloudwatch] max_concurrent_writes's default, and no other's", () => {
    const reserved = template.functions.filter((f) => f.reservedConcurrency !== undefined);
    expect(reserved.map((f) => f.logicalId).sort()).toEqual(["CloudWatchPutMetricData", "LogsPutLogEvents"]);
    const empty = join(mkdtempSync(join(tmpdir(), "hive-config-")), "hive.toml");
    writeFileSync(empty, "");
    const { maxConcurrentWrites } = loadConfig({ HIVE_CLOUDWATCH_LOCAL: "true" }, empty);
    for (const f of reserved) expect(f.reservedConcurrency).toBe(maxConcurrentWrites);
  });

  describe.each(template.functions.map((f) => [f.logicalId, f] as const))("%s", (_id, f) => {
    it("runs on nodejs22.x and builds with esbuild", () => {
      expect(f.runtime).toBe("nodejs22.x");
      expect(f.buildMethod).toBe("esbuild");
    });

    it("names an entry point that exists and matches its Handler", () => {
      expect(existsSync(join(ROOT, f.entry)), `${f.entry} does not exist`).toBe(true);
      // sam build names the bundle after the entry file: Handler must be <that>.<export>.
      expect(f.handlerFile).toBe(basename(f.entry).replace(/\.[cm]?[jt]s$/, ""));
    });

    it("has Schedule expressions that parse", () => {
      for (const s of f.schedules) expect(() => parseSchedule(s.expression)).not.toThrow();
    });
  });
});

describe("each function builds standalone and exports its handler", () => {
  const out = mkdtempSync(join(tmpdir(), "hive-cw-build-"));
  let exported: Promise<Record<string, string>>;
  const built = new Map<string, Promise<string>>();
  beforeAll(() => {
    for (const f of template.functions) {
      const file = join(out, `${f.logicalId}.mjs`);
      const p = buildStandalone(f.entry, file, { root: ROOT }).then(() => file);
      p.catch(() => undefined);
      built.set(f.logicalId, p);
    }
    // Load the bundles the way Lambda does: plain Node, outside the test runner's transform pipeline.
    exported = Promise.allSettled([...built.values()]).then(() => {
      const list = template.functions
        .filter((f) => existsSync(join(out, `${f.logicalId}.mjs`)))
        .map((f) => [f.logicalId, pathToFileURL(join(out, `${f.logicalId}.mjs`)).href, f.exportName]);
      const script = `
        const out = {};
        for (const [id, url, name] of JSON.parse(process.argv[1])) {
          try { out[id] = typeof (await import(url))[name]; } catch (e) { out[id] = "import failed: " + (e && e.stack || e); }
        }
        process.stdout.write(JSON.stringify(out));`;
      const res = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(list)], {
        encoding: "utf8",
        env: { ...process.env, HIVE_CLOUDWATCH_LOCAL: "true", NODE_OPTIONS: "" },
        maxBuffer: 16 * 1024 * 1024,
      });
      if (res.status !== 0) throw new Error(`loading the bundles failed: ${res.stderr}`);
      return JSON.parse(res.stdout) as Record<string, string>;
    });
    exported.catch(() => undefined);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  // The first test waits for every bundle (they build at once): minutes on a loaded two-core machine.
  it.each(template.functions.map((f) => [f.logicalId, f] as const))("%s", async (_id, f) => {
    await built.get(f.logicalId)!;
    const kinds = await exported;
    expect(kinds[f.logicalId], `${f.entry} must export a function ${f.exportName}`).toBe("function");
  }, 240_000);
});

describe("template reader", () => {
  const text = `
Parameters:
  Stage: { Type: String, Default: dev }
Globals:
  Function:
    Runtime: nodejs22.x
    Timeout: 10
    Environment:
      Variables:
        STAGE: !Ref Stage
        REGION: !Sub "\${AWS::Region}-\${Stage}"
        TABLE: !GetAtt Table.Arn
        JOINED: !Join [":", [a, !Ref Stage]]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Tick:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tick.run
      Environment:
        Variables:
          EXTRA: "1"
      Events:
        Every:
          Type: Schedule
          Properties:
            Schedule: rate(5 minutes)
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
            Enabled: false
            Input: '{"full": true}'
        Api:
          Type: HttpApi
          Properties: { Path: /x, Method: GET }
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        EntryPoints: [functions/tick.ts]
`;

  it("parses CloudFormation short tags and resolves what it can", () => {
    const t = interpretTemplate(parseTemplateText(text), "t.yaml", { region: "eu-west-1" });
    expect(t.functions).toHaveLength(1);
    const f = t.functions[0];
    expect(f).toMatchObject({
      logicalId: "Tick",
      handler: "tick.run",
      handlerFile: "tick",
      exportName: "run",
      entry: "functions/tick.ts",
      runtime: "nodejs22.x",
      timeoutSeconds: 10,
    });
    expect(f.environment).toEqual({ STAGE: "dev", REGION: "eu-west-1-dev", TABLE: "Table.Arn", JOINED: "a:dev", EXTRA: "1" });
    expect(f.events.map((e) => [e.name, e.type])).toEqual([["Every", "Schedule"], ["Nightly", "Schedule"], ["Api", "HttpApi"]]);
    expect(f.schedules).toMatchObject([
      { name: "Every", expression: "rate(5 minutes)", enabled: true, schedule: { kind: "rate", intervalMs: 300_000 } },
      { name: "Nightly", expression: "cron(0 3 * * ? *)", enabled: false, input: { full: true }, schedule: { kind: "cron" } },
    ]);
  });

  it("names the function and event of a bad schedule", () => {
    const bad = text.replace("rate(5 minutes)", "rate(5 minute)");
    expect(() => interpretTemplate(parseTemplateText(bad), "t.yaml")).toThrow(/Tick\.Events\.Every: .*plural/);
  });

  it("reads ReservedConcurrentExecutions, through a parameter, and refuses one that is not a whole number of 0 or more", () => {
    const limited = text
      .replace("Parameters:\n", "Parameters:\n  Limit: { Type: Number, Default: 8 }\n")
      .replace("Handler: tick.run\n", "Handler: tick.run\n      ReservedConcurrentExecutions: !Ref Limit\n");
    expect(interpretTemplate(parseTemplateText(text)).functions[0].reservedConcurrency).toBeUndefined();
    expect(interpretTemplate(parseTemplateText(limited)).functions[0].reservedConcurrency).toBe(8);
    expect(interpretTemplate(parseTemplateText(limited), "t.yaml", { parameters: { Limit: "0" } }).functions[0].reservedConcurrency).toBe(0);
    for (const bad of ["-1", "2.5", "many"]) {
      expect(() => interpretTemplate(parseTemplateText(limited), "t.yaml", { parameters: { Limit: bad } })).toThrow(
        /Resources\.Tick: ReservedConcurrentExecutions must be a whole number of 0 or more/,
      );
    }
  });

  it("requires a handler and an entry point", () => {
    expect(() => interpretTemplate(parseTemplateText(text.replace("Handler: tick.run", "Handler: tick")))).toThrow(/Handler/);
    expect(() => interpretTemplate(parseTemplateText(text.replace("EntryPoints: [functions/tick.ts]", "EntryPoints: []")))).toThrow(
      /EntryPoints/,
    );
  });
});

describe("template.yaml and the SDK models", () => {
  // Imported lazily: the models are large and only these tests need them.
  const models = import("../../lib/protocol/services.js");
  const PREFIXES = [
    ["CloudWatch", "CLOUDWATCH"],
    ["Logs", "LOGS"],
    ["Sts", "STS"],
  ] as const;
  /** Operations the README lists as built: each must have its function. */
  const BUILT = {
    CloudWatch: [
      "PutDashboard",
      "GetDashboard",
      "ListDashboards",
      "DeleteDashboards",
      "PutMetricAlarm",
      "PutCompositeAlarm",
      "DescribeAlarms",
      "DescribeAlarmsForMetric",
      "DescribeAlarmHistory",
      "DeleteAlarms",
      "SetAlarmState",
      "EnableAlarmActions",
      "DisableAlarmActions",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ],
    Logs: [
      "CreateLogGroup",
      "DeleteLogGroup",
      "DescribeLogGroups",
      "CreateLogStream",
      "DeleteLogStream",
      "DescribeLogStreams",
      "PutRetentionPolicy",
      "DeleteRetentionPolicy",
      "TagLogGroup",
      "UntagLogGroup",
      "ListTagsLogGroup",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
      "CreateLookupTable",
      "UpdateLookupTable",
      "GetLookupTable",
      "DescribeLookupTables",
      "DeleteLookupTable",
    ],
    Sts: ["GetCallerIdentity"],
  };

  it("every CloudWatch<Op>, Logs<Op> and Sts<Op> function names an operation of the SDK model", async () => {
    const m = await models;
    const operationFunctions = template.functions.filter((f) => /^(CloudWatch|Logs|Sts)[A-Z]/.test(f.logicalId));
    expect(operationFunctions.length).toBeGreaterThanOrEqual(BUILT.CloudWatch.length + BUILT.Logs.length + BUILT.Sts.length);
    for (const f of operationFunctions) {
      const [prefix, key] = PREFIXES.find(([p]) => f.logicalId.startsWith(p))!;
      const op = f.logicalId.slice(prefix.length);
      expect(m[key].operations.has(op), `${f.logicalId}: ${op} is not an operation of the ${prefix} model`).toBe(true);
    }
  });

  it("every operation listed as built has its function, and the router finds it by that name", async () => {
    const m = await models;
    const { functionIdFor } = await import("../../lib/runtime/operation.js");
    const ids = new Set(template.functions.map((f) => f.logicalId));
    for (const [prefix, key] of PREFIXES) {
      for (const op of BUILT[prefix]) {
        expect(m[key].operations.has(op), `${op} is not in the ${prefix} model`).toBe(true);
        const id = functionIdFor(m[key].name, op);
        expect(id).toBe(`${prefix}${op}`);
        expect(ids.has(id), `template.yaml has no function ${id}`).toBe(true);
      }
    }
  });
});
