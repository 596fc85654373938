/**
 * The tokens a chunk's token filter holds (docs/formats/log-chunk.md): the
 * maximal runs of [A-Za-z0-9_] of each message, case kept. A reader may skip
 * a chunk for a token only if every matching message must contain it whole.
 */
export function tokenizeForIndex(message: string): string[] {
  const out = new Set<string>();
  addIndexTokens(message, out);
  return [...out];
}

/** tokenizeForIndex's tokens of `message` added to `out` (a block's set: no set or array per message). */
export function addIndexTokens(message: string, out: Set<string>): void {
  let start = -1;
  for (let i = 0; i <= message.length; i++) {
    const c = i < message.length ? message.charCodeAt(i) : 0;
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.add(message.slice(start, i));
      start = -1;
    }
  }
}
