/**
 * Reads template.yaml the way `sam local` does: the functions, their handlers,
 * esbuild entry points, environment and Schedule events. CloudFormation short
 * tags (`!Ref`, `!Sub`, `!GetAtt`, ...) parse into their long forms, and the
 * intrinsics the local runtime can resolve (parameter defaults, pseudo
 * parameters, `Fn::Sub`, `Fn::Join`, `Fn::If` on nothing) are resolved.
 */
import { readFileSync } from "node:fs";
import { parse, type ScalarTag, type CollectionTag } from "yaml";
import { parseSchedule, type Schedule } from "./schedule.js";

export interface TemplateEvent {
  name: string;
  type: string;
  properties: Record<string, unknown>;
}

export interface ScheduleEvent {
  /** The event's key under Events. */
  name: string;
  /** The expression as written: `rate(1 minute)`, `cron(0 12 * * ? *)`. */
  expression: string;
  schedule: Schedule;
  enabled: boolean;
  /** `Input`: a JSON text sent instead of the EventBridge event. */
  input?: unknown;
}

export interface TemplateFunction {
  logicalId: string;
  /** `Handler` as written: `front.handler`. */
  handler: string;
  /** The export the handler names (`handler`). */
  exportName: string;
  /** The module part of the handler (`front`). */
  handlerFile: string;
  /** Metadata.BuildProperties.EntryPoints[0], relative to the repo root. */
  entry: string;
  runtime?: string;
  buildMethod?: string;
  timeoutSeconds: number;
  memorySize?: number;
  /**
   * ReservedConcurrentExecutions: at most this many invocations at once; one
   * past it is throttled, as Lambda throttles it (0 throttles every one).
   */
  reservedConcurrency?: number;
  environment: Record<string, string>;
  events: TemplateEvent[];
  schedules: ScheduleEvent[];
}

export interface Template {
  path: string;
  parameters: Record<string, string>;
  functions: TemplateFunction[];
  /** The parsed document, intrinsics left in long form. */
  raw: Record<string, any>;
}

// Short-form intrinsic tags, for each YAML node kind they can be written on.
const INTRINSICS: Record<string, string> = {
  Ref: "Ref",
  Sub: "Fn::Sub",
  GetAtt: "Fn::GetAtt",
  Join: "Fn::Join",
  Select: "Fn::Select",
  Split: "Fn::Split",
  If: "Fn::If",
  Equals: "Fn::Equals",
  And: "Fn::And",
  Or: "Fn::Or",
  Not: "Fn::Not",
  FindInMap: "Fn::FindInMap",
  GetAZs: "Fn::GetAZs",
  ImportValue: "Fn::ImportValue",
  Base64: "Fn::Base64",
  Cidr: "Fn::Cidr",
  Transform: "Fn::Transform",
  Condition: "Condition",
  ToJsonString: "Fn::ToJsonString",
  Length: "Fn::Length",
};

function cfnTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [];
  for (const [short, long] of Object.entries(INTRINSICS)) {
    const tag = `!${short}`;
    tags.push({
      tag,
      resolve: (value: string) => {
        // `!GetAtt A.B` is the string form of `Fn::GetAtt: [A, B]`.
        if (long === "Fn::GetAtt") {
          const i = value.indexOf(".");
          return { [long]: i < 0 ? [value] : [value.slice(0, i), value.slice(i + 1)] };
        }
        return { [long]: value };
      },
    } as ScalarTag);
    tags.push({ tag, collection: "seq", resolve: (seq: any) => ({ [long]: seq.toJSON() }) } as unknown as CollectionTag);
    tags.push({ tag, collection: "map", resolve: (map: any) => ({ [long]: map.toJSON() }) } as unknown as CollectionTag);
  }
  return tags;
}

export function parseTemplateText(text: string): Record<string, any> {
  const doc = parse(text, { customTags: cfnTags(), prettyErrors: true });
  if (!doc || typeof doc !== "object") throw new Error("template is empty");
  return doc as Record<string, any>;
}

export interface ResolveContext {
  parameters: Record<string, string>;
  region: string;
  accountId: string;
  stackName: string;
}

/** Resolves the intrinsics a local run can know; leaves a readable placeholder for the rest. */
export function resolveIntrinsics(value: unknown, ctx: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, ctx));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [k] = keys;
    const arg = obj[k];
    switch (k) {
      case "Ref":
        return ref(String(arg), ctx);
      case "Fn::Sub": {
        const [text, vars] = Array.isArray(arg) ? [String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>] : [String(arg), {}];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in vars) return String(resolveIntrinsics(vars[name], ctx));
          if (name.includes(".")) return name; // ${Res.Attr}: not knowable locally
          return String(ref(name, ctx));
        }).replace(/\$\{!/g, "${");
      }
      case "Fn::Join": {
        const [sep, list] = arg as [string, unknown[]];
        return (resolveIntrinsics(list, ctx) as unknown[]).map(String).join(sep);
      }
      case "Fn::Select": {
        const [i, list] = arg as [unknown, unknown[]];
        return (resolveIntrinsics(list, ctx) as unknown[])[Number(resolveIntrinsics(i, ctx))];
      }
      case "Fn::Split": {
        const [sep, text] = arg as [string, unknown];
        return String(resolveIntrinsics(text, ctx)).split(sep);
      }
      case "Fn::GetAtt":
        return Array.isArray(arg) ? arg.join(".") : String(arg);
      case "Fn::ToJsonString":
        return JSON.stringify(resolveIntrinsics(arg, ctx));
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = resolveIntrinsics(obj[k], ctx);
  return out;
}

function ref(name: string, ctx: ResolveContext): string {
  if (name in ctx.parameters) return ctx.parameters[name];
  switch (name) {
    case "AWS::Region":
      return ctx.region;
    case "AWS::AccountId":
      return ctx.accountId;
    case "AWS::StackName":
      return ctx.stackName;
    case "AWS::Partition":
      return "aws";
    case "AWS::URLSuffix":
      return "amazonaws.com";
    case "AWS::NoValue":
      return "";
  }
  return name; // a resource's logical id stands in for its physical name
}

export interface LoadTemplateOptions {
  region?: string;
  accountId?: string;
  stackName?: string;
  /** Overrides of parameter defaults. */
  parameters?: Record<string, string>;
}

/** Reads and interprets a SAM template (default: ./template.yaml). */
export function loadTemplate(path = "template.yaml", opts: LoadTemplateOptions = {}): Template {
  return interpretTemplate(parseTemplateText(readFileSync(path, "utf8")), path, opts);
}

export function interpretTemplate(raw: Record<string, any>, path = "template.yaml", opts: LoadTemplateOptions = {}): Template {
  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries<any>(raw.Parameters ?? {})) {
    if (p && p.Default !== undefined) parameters[name] = String(p.Default);
  }
  Object.assign(parameters, opts.parameters ?? {});
  const ctx: ResolveContext = {
    parameters,
    region: opts.region ?? "us-east-1",
    accountId: opts.accountId ?? "000000000000",
    stackName: opts.stackName ?? "hive-cloudwatch",
  };
  const globals = (raw.Globals?.Function ?? {}) as Record<string, any>;
  const functions: TemplateFunction[] = [];
  for (const [logicalId, res] of Object.entries<any>(raw.Resources ?? {})) {
    if (!res || (res.Type !== "AWS::Serverless::Function" && res.Type !== "AWS::Lambda::Function")) continue;
    const where = `${path}: Resources.${logicalId}`;
    const props = (res.Properties ?? {}) as Record<string, any>;
    const handler = props.Handler ?? globals.Handler;
    if (typeof handler !== "string" || !handler.includes(".")) {
      throw new Error(`${where}: Handler must be "file.export", got ${JSON.stringify(handler)}`);
    }
    const dot = handler.lastIndexOf(".");
    const entry = res.Metadata?.BuildProperties?.EntryPoints?.[0];
    if (typeof entry !== "string" || !entry) {
      throw new Error(`${where}: Metadata.BuildProperties.EntryPoints[0] is required`);
    }
    const environment: Record<string, string> = {};
    const envSources = [globals.Environment?.Variables, props.Environment?.Variables];
    for (const vars of envSources) {
      const resolved = resolveIntrinsics(vars ?? {}, ctx) as Record<string, unknown>;
      for (const [k, v] of Object.entries(resolved)) environment[k] = String(v);
    }
    const events: TemplateEvent[] = [];
    const schedules: ScheduleEvent[] = [];
    for (const [name, ev] of Object.entries<any>(props.Events ?? {})) {
      const properties = (resolveIntrinsics(ev?.Properties ?? {}, ctx) ?? {}) as Record<string, any>;
      const type = String(ev?.Type ?? "");
      events.push({ name, type, properties });
      if (type === "Schedule" || type === "ScheduleV2") {
        const expression = type === "Schedule" ? properties.Schedule : properties.ScheduleExpression;
        if (typeof expression !== "string") {
          throw new Error(`${where}.Events.${name}: ${type === "Schedule" ? "Schedule" : "ScheduleExpression"} is required`);
        }
        let schedule: Schedule;
        try {
          schedule = parseSchedule(expression);
        } catch (e) {
          throw new Error(`${where}.Events.${name}: ${(e as Error).message}`);
        }
        const state = properties.State;
        const enabled = properties.Enabled !== false && properties.Enabled !== "false" && state !== "DISABLED";
        let input: unknown;
        const rawInput = properties.Input;
        if (rawInput !== undefined) {
          try {
            input = typeof rawInput === "string" ? JSON.parse(rawInput) : rawInput;
          } catch {
            throw new Error(`${where}.Events.${name}: Input must be JSON text`);
          }
        }
        schedules.push({ name, expression, schedule, enabled, input });
      }
    }
    const timeout = Number(props.Timeout ?? globals.Timeout ?? 3);
    const memory = props.MemorySize ?? globals.MemorySize;
    const reserved = resolveIntrinsics(props.ReservedConcurrentExecutions ?? globals.ReservedConcurrentExecutions, ctx);
    // `!Ref AWS::NoValue` resolves to "": the property is left out.
    const reservedConcurrency = reserved === undefined || reserved === "" ? undefined : Number(reserved);
    if (reservedConcurrency !== undefined && !(Number.isInteger(reservedConcurrency) && reservedConcurrency >= 0)) {
      throw new Error(`${where}: ReservedConcurrentExecutions must be a whole number of 0 or more, got ${JSON.stringify(reserved)}`);
    }
    functions.push({
      logicalId,
      handler,
      exportName: handler.slice(dot + 1),
      handlerFile: handler.slice(0, dot),
      entry,
      runtime: props.Runtime ?? globals.Runtime,
      buildMethod: res.Metadata?.BuildMethod,
      timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 3,
      memorySize: memory === undefined ? undefined : Number(memory),
      reservedConcurrency,
      environment,
      events,
      schedules,
    });
  }
  return { path, parameters, functions, raw };
}
