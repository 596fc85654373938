/**
 * NextToken for CloudWatch lists in name order: an opaque, URL-safe string
 * holding the name the previous page ended at, so paging holds while others
 * create and delete between pages and works on any process (nothing kept).
 */
import type { ServiceError } from "./errors.js";

export const encodeAfterToken = (after: string): string => Buffer.from(JSON.stringify({ v: 1, after }), "utf8").toString("base64url");

/** The name a token of encodeAfterToken holds; `invalid()` for any other string. */
export function decodeAfterToken(token: string, invalid: () => ServiceError): string {
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (t && t.v === 1 && typeof t.after === "string" && encodeAfterToken(t.after) === token) return t.after;
  } catch {
    // answered below
  }
  throw invalid();
}
