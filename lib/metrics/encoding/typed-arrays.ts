/**
 * Growing the typed-array columns of the metric encoders, folders and caches:
 * one helper so each column store does not carry its own copy.
 */

type Column = Float64Array | Int32Array | Uint8Array;

/** A new array of `a`'s type and length `n`, holding `a`'s elements first. */
export function grow<T extends Column>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** `grow` to at least `n` elements and at least twice `a`'s length (amortised appends). */
export function growDoubling<T extends Column>(a: T, n: number): T {
  return grow(a, Math.max(n, 2 * a.length));
}
