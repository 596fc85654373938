/**
 * A resource policy's document as CloudWatch Logs keeps it, which is what
 * DescribeResourcePolicies answers (PutResourcePolicy echoes the string as
 * sent): compact JSON, Version first (2008-10-17 when none was given), each
 * statement's keys in the policy grammar's order, and a one-element list of
 * principals, actions or resources written as its element. Seen in
 * localstack's AWS-recorded test_logs_resource_policies.snapshot.json
 * (test_describe_resource_policies, test_put_resource_policy_update).
 */

const DOCUMENT_ORDER = ["Version", "Id", "Statement"];
const STATEMENT_ORDER = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
const LISTS = new Set(["Action", "NotAction", "Resource", "NotResource"]);
const PRINCIPALS = new Set(["Principal", "NotPrincipal"]);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: Json | undefined): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);
const single = (v: Json): Json => (Array.isArray(v) && v.length === 1 ? v[0] : v);

/** The object's keys in `order` first, then the rest as given. */
function ordered(obj: { [k: string]: Json }, order: string[], value: (k: string, v: Json) => Json): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const k of order) if (k in obj) out[k] = value(k, obj[k]);
  for (const k of Object.keys(obj)) if (!(k in out)) out[k] = value(k, obj[k]);
  return out;
}

function statement(s: Json): Json {
  if (!isObject(s)) return s;
  return ordered(s, STATEMENT_ORDER, (k, v) => {
    if (LISTS.has(k)) return single(v);
    if (PRINCIPALS.has(k) && isObject(v)) return Object.fromEntries(Object.entries(v).map(([p, ids]) => [p, single(ids)]));
    return v;
  });
}

/** The stored form of a document already known to be a JSON object. */
export function normalizedPolicyDocument(document: string): string {
  const doc = JSON.parse(document) as { [k: string]: Json };
  const out = ordered({ Version: "2008-10-17", ...doc }, DOCUMENT_ORDER, (k, v) =>
    k === "Statement" ? (Array.isArray(v) ? v.map(statement) : statement(v)) : v,
  );
  return JSON.stringify(out);
}
