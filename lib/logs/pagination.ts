/**
 * nextToken for the Describe operations: an opaque, URL-safe string holding
 * where the previous page stopped (the sort key of its last item), so paging
 * stays correct while other clients create and delete resources between
 * pages, and works on any process of a cluster (nothing is kept server-side).
 *
 * The token names the operation and the query it belongs to; a token from a
 * different operation or query, or any other string, is AWS's
 * InvalidParameterException "The specified nextToken is invalid.".
 */
import { createHash } from "node:crypto";
import { invalidNextToken } from "./errors.js";

export type Position = Array<string | number>;

interface TokenBody {
  v: 1;
  /** Operation the token belongs to. */
  o: string;
  /** Hash of the query (filters, order) the token belongs to. */
  q: string;
  /** Sort key of the last item returned. */
  p: Position;
}

const queryHash = (query: unknown) => createHash("sha256").update(JSON.stringify(query ?? null)).digest("base64url").slice(0, 16);

export function encodeToken(operation: string, query: unknown, position: Position): string {
  const body: TokenBody = { v: 1, o: operation, q: queryHash(query), p: position };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

export function decodeToken(operation: string, query: unknown, token: string): Position {
  let body: TokenBody;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("not base64url");
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalidNextToken();
  }
  if (
    !body ||
    body.v !== 1 ||
    body.o !== operation ||
    body.q !== queryHash(query) ||
    !Array.isArray(body.p) ||
    !body.p.every((x) => typeof x === "string" || typeof x === "number")
  ) {
    throw invalidNextToken();
  }
  return body.p;
}

/** Compares sort keys element by element (numbers numerically, strings by UTF-16 code units). */
export function comparePositions(a: Position, b: Position): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * One page of `items` (already sorted ascending by `key`; reversed for
 * descending) after the token's position. `load` turns a candidate into the
 * item to return, or undefined to skip it (deleted meanwhile, filtered out);
 * it is called only for as many candidates as the page needs.
 */
export async function paginate<C, R>(opts: {
  operation: string;
  query: unknown;
  candidates: C[];
  key: (c: C) => Position;
  descending?: boolean;
  limit: number;
  nextToken?: string;
  load: (c: C) => Promise<R | undefined>;
}): Promise<{ items: R[]; nextToken?: string }> {
  const dir = opts.descending ? -1 : 1;
  const sorted = [...opts.candidates].sort((a, b) => dir * comparePositions(opts.key(a), opts.key(b)));
  let start = 0;
  if (opts.nextToken !== undefined) {
    const after = decodeToken(opts.operation, opts.query, opts.nextToken);
    start = sorted.findIndex((c) => dir * comparePositions(opts.key(c), after) > 0);
    if (start < 0) start = sorted.length;
  }
  const items: R[] = [];
  let last: Position | undefined;
  let i = start;
  const BATCH = 16;
  while (i < sorted.length && items.length < opts.limit) {
    const batch = sorted.slice(i, i + Math.min(BATCH, opts.limit - items.length));
    const loaded = await Promise.all(batch.map((c) => opts.load(c)));
    for (let j = 0; j < batch.length; j++) {
      i++;
      const r = loaded[j];
      if (r === undefined) continue;
      items.push(r);
      last = opts.key(batch[j]);
      if (items.length === opts.limit) break;
    }
  }
  const more = i < sorted.length;
  return { items, nextToken: more && last ? encodeToken(opts.operation, opts.query, last) : undefined };
}
