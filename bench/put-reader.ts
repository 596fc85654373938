/**
 * PutMetricData's two ways from body to ingest datums, in one process,
 * alternated: the general path (JSON.parse, the SDK-schema reader, the model
 * validation stage, normalizeDatum) and the fast JSON reader
 * (lib/metrics/write/put-metric-data-json.ts), on bench/ingest.ts's
 * 1000-datum bodies. Prints the CPU µs each spends per datum, round by round
 * (CPU time, which holds better than wall time on a loaded machine).
 *
 *   npx tsx bench/put-reader.ts [--rounds 6]
 */
process.env.HIVE_CLOUDWATCH_LOCAL = "true";
import type { PutMetricDataInput } from "@aws-sdk/client-cloudwatch";
import { ingestDatumsOf } from "../lib/metrics/put-metric-data.js";
import { readPutMetricDataJson } from "../lib/metrics/write/put-metric-data-json.js";
import { CLOUDWATCH } from "../lib/protocol/index.js";
import { decodeJsonInput } from "../lib/protocol/json.js";
import { validateInput } from "../lib/validation/validate-input.js";
import { ingestRequest, machine, numberArg } from "./common.js";

const ROUNDS = numberArg("rounds", 6);
const op = CLOUDWATCH.operations.get("PutMetricData")!;
const now = Date.now();
// As @aws-sdk/client-cloudwatch sends them: awsJson, timestamps in epoch seconds.
const bodies = Array.from({ length: 20 }, (_, i) => {
  const r = ingestRequest(i, 10_000, new Date(Math.floor(now / 1000) * 1000));
  return Buffer.from(JSON.stringify({ ...r, MetricData: r.MetricData.map((d) => ({ ...d, Timestamp: d.Timestamp!.getTime() / 1000 })) }));
});

async function general(body: Buffer) {
  const input = (await decodeJsonInput(CLOUDWATCH, op.input, body)) as PutMetricDataInput;
  validateInput("cloudwatch", "PutMetricData", input);
  return ingestDatumsOf(input, { accountId: "123456789012", now });
}
const fast = async (body: Buffer) => readPutMetricDataJson(body, now)!.prepared;

console.log(machine());
for (let round = 1; round <= ROUNDS; round++) {
  const line: string[] = [];
  for (const [name, read] of [["general path", general], ["fast reader", fast]] as const) {
    const before = process.cpuUsage();
    let datums = 0;
    for (let k = 0; k < 15; k++) for (const b of bodies) datums += (await read(b)).length;
    const cpu = process.cpuUsage(before);
    line.push(`${name} ${((cpu.user + cpu.system) / datums).toFixed(2)}`);
  }
  console.log(`round ${round}: CPU µs per datum: ${line.join(", ")}`);
}
