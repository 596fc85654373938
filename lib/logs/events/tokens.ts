import { HASH_A_PRIME, HASH_A_SEED, HASH_B_PRIME, HASH_B_SEED, type TokenHashes } from "./token-filter.js";

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

if (HASH_A_SEED !== 0x811c9dc5 || HASH_B_SEED !== (0x01000193 ^ 0x5bd1e995) || HASH_A_PRIME !== 0x01000193 || HASH_B_PRIME !== 0x5bd1e995) {
  throw new Error("addIndexTokenBytes' literals must be token-filter.ts's seeds and primes");
}

/** [A-Za-z0-9_] by byte; every byte of a multi-byte UTF-8 character is ≥ 0x80, so it ends a token as the character does. */
const WORD = new Uint8Array(256);
for (let c = 0; c < 128; c++) WORD[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? 1 : 0;

/**
 * addIndexTokens over a message's UTF-8 bytes text[start, end): each token's
 * token-filter hash pair added to `out`, computed as the bytes go by.
 */
export function addIndexTokenBytes(text: Uint8Array, start: number, end: number, out: TokenHashes): void {
  let a = 0;
  let b = 0;
  let inWord = false;
  for (let i = start; i < end; i++) {
    const c = text[i];
    if (WORD[c] === 1) {
      if (!inWord) {
        a = 0x811c9dc5;
        b = 0x01000193 ^ 0x5bd1e995;
        inWord = true;
      }
      // Literals, not the imported constants (checked equal above): a module binding is loaded on every byte (0.86 against 0.63 µs an event, bundled).
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    } else if (inWord) {
      out.add(a >>> 0, (b | 1) >>> 0);
      inWord = false;
    }
  }
  if (inWord) out.add(a >>> 0, (b | 1) >>> 0);
}
