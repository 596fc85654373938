/**
 * The tokens CloudWatch generates from a namespace, metric name or dimension:
 * alphanumeric runs, split further at camel-case humps and digit runs.
 */

const isDigitChar = (c: string) => c >= "0" && c <= "9";
const isUpperChar = (c: string) => c !== c.toLowerCase() && c === c.toUpperCase();
const isLowerChar = (c: string) => c !== c.toUpperCase() && c === c.toLowerCase();

/** Alphanumeric runs of a string (non-alphanumeric characters delimit). */
export function words(s: string): string[] {
  return s.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/** Camel-case humps and digit runs of one alphanumeric word: "SDBFailure1" → SDB, Failure, 1. */
export function camelSplit(w: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i < w.length; i++) {
    const a = w[i - 1];
    const b = w[i];
    const boundary =
      isDigitChar(b) !== isDigitChar(a) ||
      (isUpperChar(b) && isLowerChar(a)) ||
      (isUpperChar(b) && isUpperChar(a) && i + 1 < w.length && isLowerChar(w[i + 1]));
    if (boundary) {
      out.push(w.slice(start, i));
      start = i;
    }
  }
  if (w.length) out.push(w.slice(start));
  return out;
}

export interface NameTokens {
  /** Atomic tokens in original case, in order across the whole name. */
  atoms: string[];
  lower: string[];
  /** The whole name's alphanumerics, lower-cased ("project2trial333"). */
  full: string;
}

/** The tokens CloudWatch generates from a name. */
export function nameTokens(s: string): NameTokens {
  const atoms: string[] = [];
  for (const w of words(s)) for (const a of camelSplit(w)) atoms.push(a);
  return { atoms, lower: atoms.map((a) => a.toLowerCase()), full: atoms.join("").toLowerCase() };
}
