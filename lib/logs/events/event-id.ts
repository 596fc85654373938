/**
 * Event ids: 56 decimal digits, as AWS's are, made from where the event is
 * stored so they stay the same after compaction (docs/formats/log-batch.md):
 * timestamp (16) + stream hash (15) + buffer sequence (20) + index in the
 * batch (5). Sorting ids of one stream sorts its events in stored order.
 */
export interface EventIdParts {
  timestamp: number;
  streamHash: number;
  seq: number;
  index: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

export function makeEventId(p: EventIdParts): string {
  return pad(p.timestamp, 16) + pad(p.streamHash, 15) + pad(p.seq, 20) + pad(p.index, 5);
}

export function parseEventId(id: string): EventIdParts | undefined {
  if (!/^\d{56}$/.test(id)) return undefined;
  const timestamp = Number(id.slice(0, 16));
  const streamHash = Number(id.slice(16, 31));
  const seq = Number(id.slice(31, 51));
  const index = Number(id.slice(51));
  if (!Number.isSafeInteger(seq)) return undefined;
  return { timestamp, streamHash, seq, index };
}
