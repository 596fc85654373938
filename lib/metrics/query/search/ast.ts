/**
 * The syntax tree of a CloudWatch search expression (the string inside
 * `SEARCH('...', 'Stat', Period)`) and its limits; the grammar is in lexer.ts and parser.ts.
 */
import { validationError } from "../../../errors.js";

export const MAX_SEARCH_LENGTH = 1024;

export type SearchNode =
  | { kind: "and" | "or"; left: SearchNode; right: SearchNode }
  | { kind: "not"; operand: SearchNode }
  /** A bare word; `key` when written `Key=word`. */
  | { kind: "partial"; text: string; key?: string }
  /** A double-quoted phrase; `key` when written `Key="phrase"`. */
  | { kind: "exact"; text: string; key?: string }
  /** `:aws.AccountId = ...` */
  | { kind: "account"; value: string };

export interface SearchQuery {
  schema?: { namespace: string; dimensionNames: string[] };
  term?: SearchNode;
}

/** AWS's ValidationError for a malformed expression, with the 1-based position when known. */
export const invalidSearch = (detail: string, pos?: number) =>
  validationError(`Invalid search expression${pos === undefined ? "" : ` at position ${pos + 1}`}: ${detail}`);
