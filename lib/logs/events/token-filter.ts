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

/** The two hashes' seeds and multipliers; tokens.ts's byte scan steps them as `hashes` does. */
export const HASH_A_SEED = 0x811c9dc5;
export const HASH_B_SEED = 0x01000193 ^ 0x5bd1e995;
export const HASH_A_PRIME = 0x01000193;
export const HASH_B_PRIME = 0x5bd1e995;

/** Two 32-bit FNV-1a variants; probe i is h1 + i·h2 (Kirsch–Mitzenmacher). */
function hashes(token: string): [number, number] {
  let a = HASH_A_SEED;
  let b = HASH_B_SEED;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    a = Math.imul(a ^ c, HASH_A_PRIME);
    b = Math.imul(b ^ c, HASH_B_PRIME);
    b ^= b >>> 15;
  }
  return [a >>> 0, (b | 1) >>> 0];
}

/**
 * A block's distinct tokens as their hash pairs (open addressing over two
 * Int32Arrays): the compactor hashes tokens straight from message bytes, no
 * string per token. Two tokens with the same pair set the same bits, so
 * keeping one of them loses nothing.
 */
export class TokenHashes {
  /** Sized for a 128 KB block of access-log lines (a unique request id each, about 1,000 distinct tokens): no growing on the way. */
  private h1 = new Int32Array(4096);
  /** h2 is odd, so 0 marks a free slot. */
  private h2 = new Int32Array(4096);
  size = 0;

  /** Empties the set for reuse; false (left as it is) when it grew past four times its first size. */
  clear(): boolean {
    if (this.h2.length > 4 * 4096) return false;
    this.h2.fill(0);
    this.size = 0;
    return true;
  }

  add(a: number, b: number): void {
    const mask = this.h1.length - 1;
    let i = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    for (;;) {
      const at = this.h2[i];
      if (at === 0) break;
      if (at === (b | 0) && this.h1[i] === (a | 0)) return;
      i = (i + 1) & mask;
    }
    this.h1[i] = a;
    this.h2[i] = b;
    if (++this.size * 2 > this.h1.length) this.grow();
  }

  forEach(visit: (h1: number, h2: number) => void): void {
    for (let i = 0; i < this.h2.length; i++) if (this.h2[i] !== 0) visit(this.h1[i] >>> 0, this.h2[i] >>> 0);
  }

  private grow(): void {
    const [h1, h2] = [this.h1, this.h2];
    this.h1 = new Int32Array(h1.length * 2);
    this.h2 = new Int32Array(h2.length * 2);
    this.size = 0;
    for (let i = 0; i < h2.length; i++) if (h2[i] !== 0) this.add(h1[i], h2[i]);
  }
}

/** As stored in a chunk entry: the bits in base64. */
export interface EncodedTokenFilter {
  m: number;
  k: number;
  bits: string;
}

/** `bitsPerToken` per distinct token, at most `maxBits` (more false positives past it, never a miss). */
export function buildTokenFilter(tokens: Set<string> | TokenHashes, bitsPerToken: number, maxBits: number): TokenFilter {
  let pairs: TokenHashes;
  if (tokens instanceof TokenHashes) pairs = tokens;
  else {
    pairs = new TokenHashes();
    for (const t of tokens) pairs.add(...hashes(t));
  }
  const m = Math.min(maxBits, Math.max(64, Math.ceil((pairs.size * bitsPerToken) / 8) * 8));
  const bits = new Uint8Array(m / 8);
  pairs.forEach((h1, h2) => {
    for (let i = 0; i < FILTER_HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const at = bit % m;
      bits[at >> 3] |= 1 << (at & 7);
    }
  });
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

/** Base64's alphabet as 6-bit values by char code (-1: not in it). */
const BASE64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;

/**
 * mayContain on the filter as stored, its bits read from the base64 text
 * where they lie: a scan tests a few tokens against every block's filter,
 * and decoding each (8 KB) cost more than the tests (README, "Reading the
 * log store fast"). Text that is not the canonical encoding is decoded.
 */
export function mayContainEncoded(f: EncodedTokenFilter, token: string): boolean {
  const bytes = f.m / 8;
  if (!Number.isInteger(bytes) || f.bits.length !== 4 * Math.ceil(bytes / 3)) return mayContain(decodeTokenFilter(f), token);
  const [h1, h2] = hashes(token);
  for (let i = 0; i < f.k; i++) {
    const at = ((h1 + Math.imul(i, h2)) >>> 0) % f.m;
    const j = at >> 3;
    // Byte j is byte j % 3 of its 3-byte group (4 chars); its bit (at & 7) is bit p of the group's 24, counted from the low end.
    const p = (2 - (j % 3)) * 8 + (at & 7);
    const c = f.bits.charCodeAt(4 * ((j / 3) | 0) + 3 - ((p / 6) | 0));
    const v = c < 128 ? BASE64[c] : -1;
    if (v < 0) return mayContain(decodeTokenFilter(f), token);
    if ((v & (1 << p % 6)) === 0) return false;
  }
  return true;
}

export const decodeTokenFilter = (f: EncodedTokenFilter): TokenFilter => ({ m: f.m, k: f.k, bits: Buffer.from(f.bits, "base64") });
