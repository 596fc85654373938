/**
 * A token filter: a Bloom filter over tokenizeForIndex of every message of a
 * chunk block (index version 2) or a whole chunk (version 1)
 * (docs/formats/log-chunk.md). `mayContain` false means no message it
 * covers has the token as a whole token.
 */
export const FILTER_HASHES = 4;

export interface TokenFilter {
  /** Number of bits (a multiple of 8). */
  m: number;
  k: number;
  bits: Uint8Array;
}

/** Two 32-bit FNV-1a variants; probe i is h1 + i·h2 (Kirsch–Mitzenmacher). */
function hashes(token: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, (b | 1) >>> 0];
}

/** As stored in a chunk entry: the bits in base64. */
export interface EncodedTokenFilter {
  m: number;
  k: number;
  bits: string;
}

/** `bitsPerToken` per distinct token, at most `maxBits` (more false positives past it, never a miss). */
export function buildTokenFilter(tokens: Set<string>, bitsPerToken: number, maxBits: number): TokenFilter {
  const m = Math.min(maxBits, Math.max(64, Math.ceil((tokens.size * bitsPerToken) / 8) * 8));
  const bits = new Uint8Array(m / 8);
  for (const t of tokens) {
    const [h1, h2] = hashes(t);
    for (let i = 0; i < FILTER_HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const at = bit % m;
      bits[at >> 3] |= 1 << (at & 7);
    }
  }
  return { m, k: FILTER_HASHES, bits };
}

export function mayContain(f: TokenFilter, token: string): boolean {
  const [h1, h2] = hashes(token);
  for (let i = 0; i < f.k; i++) {
    const at = ((h1 + Math.imul(i, h2)) >>> 0) % f.m;
    if ((f.bits[at >> 3] & (1 << (at & 7))) === 0) return false;
  }
  return true;
}

export const encodeTokenFilter = (f: TokenFilter): EncodedTokenFilter => ({ m: f.m, k: f.k, bits: Buffer.from(f.bits).toString("base64") });

export const decodeTokenFilter = (f: EncodedTokenFilter): TokenFilter => ({ m: f.m, k: f.k, bits: Buffer.from(f.bits, "base64") });
