/**
 * A bucket held in columns (a batch fold's, a chunk merge's) as the chunk
 * encoder reads it: one object, both the bucket and its statistics, that asks
 * its source for the statistics once and for the sketch bins when encoded.
 */
import type { BucketStats, EncodableBucket } from "./chunk.js";
import type { BinSink } from "../read/sketch.js";

/** Statistics a source writes into a view. */
export interface BucketFields {
  t: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  hasDistribution: boolean;
}

/** Buckets by number: their statistics, and their distribution's bins (zero, then each sign's in index order). */
export interface BucketSource {
  bucketStats(b: number, view: BucketFields): void;
  sketchBins(b: number, sink: BinSink): void;
}

export class BucketView implements EncodableBucket, BucketStats, BucketFields {
  t = 0;
  count = 0;
  sum = 0;
  min = 0;
  max = 0;
  hasDistribution = true;

  constructor(
    private readonly source: BucketSource,
    private b: number,
  ) {
    source.bucketStats(b, this);
  }

  /** The view made a view of bucket `b` of the same source (a source encoding chunk after chunk reuses its views). */
  of(b: number): this {
    this.b = b;
    this.source.bucketStats(b, this);
    return this;
  }

  get agg(): BucketStats {
    return this;
  }

  sketchBins(sink: BinSink): void {
    this.source.sketchBins(this.b, sink);
  }
}
