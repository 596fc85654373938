/**
 * A window listing: the chunks one writer was about to create in one chunk
 * window (a message of the stream CW_METRIC_WINDOWS, chunk-windows.ts).
 * Layout (format 1): docs/formats/window-listing.md.
 */
import { ByteReader, ByteWriter } from "./bytes.js";

const FORMAT = 1;

/** `series`: the chunk keys' heads `{account}.{seriesId}.{unit token}` (the window is the subject). */
export function encodeWindowListing(series: readonly string[]): Uint8Array {
  const w = new ByteWriter(16 + series.reduce((n, s) => n + s.length + 2, 0));
  w.byte(FORMAT);
  w.varint(series.length);
  for (const s of series) w.string(s);
  return w.finish();
}

export function decodeWindowListing(bytes: Uint8Array): string[] {
  const r = new ByteReader(bytes, "window listing");
  const format = r.byte();
  if (format !== FORMAT) r.corrupt(`unknown format ${format}`);
  // A key head is at least "a.b.c" plus its length byte.
  const n = r.count(6);
  const series = new Array<string>(n);
  for (let i = 0; i < n; i++) series[i] = r.string();
  if (r.remaining() !== 0) r.corrupt("bytes after the last key");
  return series;
}
