/**
 * A compiled search: whether a metric matches a parsed expression's schema and
 * search term (partial terms by token, exact terms by whole name, property designators).
 */
import type { MetricIdentity } from "../../types.js";
import type { SearchNode, SearchQuery } from "./ast.js";
import { camelSplit, nameTokens, words, type NameTokens } from "./name-tokens.js";

interface Pattern {
  parts: { text: string; ci: boolean }[];
  full: string;
}

function compilePartial(text: string): Pattern {
  const parts: { text: string; ci: boolean }[] = [];
  for (const w of words(text)) {
    const atoms = camelSplit(w);
    if (atoms.length === 1) parts.push({ text: atoms[0].toLowerCase(), ci: true });
    else for (const a of atoms) parts.push({ text: a, ci: false });
  }
  return { parts, full: parts.map((p) => p.text).join("").toLowerCase() };
}

function partialMatches(t: NameTokens, p: Pattern): boolean {
  const n = p.parts.length;
  if (n === 0) return true;
  if (p.full === t.full) return true;
  const last = t.atoms.length - n;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < n; j++) {
      const part = p.parts[j];
      if ((part.ci ? t.lower[i + j] : t.atoms[i + j]) !== part.text) continue outer;
    }
    return true;
  }
  return false;
}

type Compiled = (m: MetricIdentity, tokens: (s: string) => NameTokens) => boolean;

function compileNode(node: SearchNode, accountId: string | undefined): Compiled {
  switch (node.kind) {
    case "and": {
      const l = compileNode(node.left, accountId);
      const r = compileNode(node.right, accountId);
      return (m, tk) => l(m, tk) && r(m, tk);
    }
    case "or": {
      const l = compileNode(node.left, accountId);
      const r = compileNode(node.right, accountId);
      return (m, tk) => l(m, tk) || r(m, tk);
    }
    case "not": {
      const o = compileNode(node.operand, accountId);
      return (m, tk) => !o(m, tk);
    }
    case "account": {
      const ok = node.value === "LOCAL" || accountId === undefined || node.value === accountId;
      return () => ok;
    }
    case "exact": {
      const { text, key } = node;
      if (key !== undefined) return (m) => propertyValue(m, key) === text;
      return (m) => {
        if (m.namespace === text || m.metricName === text) return true;
        for (const d of m.dimensions) if (d.name === text || d.value === text) return true;
        return false;
      };
    }
    case "partial": {
      const pat = compilePartial(node.text);
      const { key } = node;
      if (key !== undefined) {
        return (m, tk) => {
          const v = propertyValue(m, key);
          return v !== undefined && partialMatches(tk(v), pat);
        };
      }
      return (m, tk) => {
        if (partialMatches(tk(m.metricName), pat) || partialMatches(tk(m.namespace), pat)) return true;
        for (const d of m.dimensions) {
          if (partialMatches(tk(d.value), pat) || partialMatches(tk(d.name), pat)) return true;
        }
        return false;
      };
    }
  }
}

/** `MetricName`, `Namespace`, or a dimension's value (undefined when the metric lacks it). */
function propertyValue(m: MetricIdentity, key: string): string | undefined {
  if (key === "MetricName") return m.metricName;
  if (key === "Namespace") return m.namespace;
  for (const d of m.dimensions) if (d.name === key) return d.value;
  return undefined;
}

/** The schema test for one query: namespace and exactly its dimension names (the name set built once, not per metric). */
function schemaMatcher(schema: SearchQuery["schema"]): (m: MetricIdentity) => boolean {
  if (!schema) return () => true;
  const names = new Set(schema.dimensionNames);
  return (m) => {
    if (m.namespace !== schema.namespace || m.dimensions.length !== names.size) return false;
    for (const d of m.dimensions) if (!names.has(d.name)) return false;
    return true;
  };
}

/** A reusable matcher; it caches the tokens of the names it sees. */
export function compileSearch(q: SearchQuery, ctx: { accountId?: string } = {}): (m: MetricIdentity) => boolean {
  const term = q.term ? compileNode(q.term, ctx.accountId) : undefined;
  const cache = new Map<string, NameTokens>();
  const tokens = (s: string): NameTokens => {
    let t = cache.get(s);
    if (!t) {
      t = nameTokens(s);
      if (cache.size > 100_000) cache.clear();
      cache.set(s, t);
    }
    return t;
  };
  const schema = schemaMatcher(q.schema);
  return (m) => schema(m) && (term ? term(m, tokens) : true);
}

export function matchesSearch(q: SearchQuery, m: MetricIdentity, ctx: { accountId?: string } = {}): boolean {
  return compileSearch(q, ctx)(m);
}
