/** The syntax tree of a Logs Insights query: a source and a pipeline of commands. */
import type { DiffPeriod } from "./comparison.js";

export type Expr =
  | { kind: "field"; name: string }
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "regex"; source: string; flags: string }
  | { kind: "duration"; ms: number; text: string }
  | { kind: "bool"; value: boolean }
  | { kind: "star" }
  | { kind: "list"; items: Expr[] }
  | { kind: "unary"; op: "-" | "not"; arg: Expr }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr }
  | { kind: "like"; negated: boolean; subject: Expr; pattern: Expr }
  | { kind: "in"; negated: boolean; subject: Expr; list: Expr[] }
  | { kind: "call"; name: string; args: Expr[]; text: string };

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

/** One projected or computed column: the expression and the name it shows under. */
export interface NamedExpr {
  expr: Expr;
  name: string;
}

export interface SortKey {
  expr: Expr;
  desc: boolean;
}

export type Command =
  | { kind: "fields"; items: NamedExpr[] }
  | { kind: "display"; items: NamedExpr[] }
  | { kind: "filter"; expr: Expr }
  | { kind: "stats"; aggs: NamedExpr[]; by: NamedExpr[] }
  | { kind: "sort"; keys: SortKey[] }
  | { kind: "limit"; n: number }
  | { kind: "parse"; field: Expr; glob?: string; regex?: RegExp; names: string[] }
  | { kind: "dedup"; fields: Expr[] }
  | { kind: "unmask"; expr: Expr }
  | { kind: "unnest"; field: Expr; into: string }
  | { kind: "pattern"; field: Expr }
  | { kind: "diff"; period: DiffPeriod }
  | LookupCommand;

/** `lookup table tableField [as logField], ... OUTPUT outField, ...` (lib/logs/insights/lookup-stage.ts). */
export interface LookupCommand {
  kind: "lookup";
  table: string;
  keys: { tableField: string; logField: string }[];
  outputs: string[];
}

export interface LogGroupSelector {
  namePrefixes: string[];
  classes: string[];
  accountIdentifiers: string[];
}

export interface Query {
  source?: LogGroupSelector;
  commands: Command[];
}

/** Aggregate functions of `stats`. */
export const AGGREGATES = new Set([
  "count",
  "count_distinct",
  "sum",
  "avg",
  "min",
  "max",
  "pct",
  "percentile",
  "stddev",
  "earliest",
  "latest",
  "sortsfirst",
  "sortslast",
]);
