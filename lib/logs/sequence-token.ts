/**
 * The 56-digit sequence token AWS still answers (PutLogEvents' nextSequenceToken,
 * DescribeLogStreams' uploadSequenceToken) though it ignores the one sent: 16 digits
 * of a time in ms, 40 of a sequence.
 */
export function sequenceToken(seq: number, timeMs: number): string {
  return String(timeMs).padStart(16, "0") + String(seq).padStart(40, "0");
}
