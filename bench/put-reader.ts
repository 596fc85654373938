/**
 * PutMetricData's two ways from body to ingest messages, in one process,
 * alternated: the general path (JSON.parse, the SDK-schema reader, the model
 * validation stage, normalizeDatum, then an object per datum put into columns,
 * partitioned and encoded) and the fast JSON reader (lib/metrics/write/put-metric-data-json.ts,
 * columns encoded straight into the messages), on bench/ingest.ts's
 * 1000-datum bodies. Prints the CPU µs each spends per datum, round by round
 * (CPU time, which holds better than wall time on a loaded machine), and of
 * the fast way, reading and encoding apart.
 *
 *   npx tsx bench/put-reader.ts [--rounds 6]
 */
process.env.HIVE_CLOUDWATCH_LOCAL = "true";
import type { PutMetricDataInput } from "@aws-sdk/client-cloudwatch";
import { ingestDatumsOf } from "../lib/metrics/put-metric-data.js";
import { ingestColumnParts, ingestParts } from "../lib/metrics/write/ingest-log.js";
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

const ACCOUNT = "123456789012";
const NAMESPACE = "Bench/Ingest";

async function general(body: Buffer): Promise<number> {
  const input = (await decodeJsonInput(CLOUDWATCH, op.input, body)) as PutMetricDataInput;
  validateInput("cloudwatch", "PutMetricData", input);
  const data = ingestDatumsOf(input, { accountId: ACCOUNT, now });
  ingestParts({ account: ACCOUNT, namespace: NAMESPACE, data });
  return data.length;
}
let reading = 0;
let encoding = 0;
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
async function fast(body: Buffer): Promise<number> {
  const t0 = cpu();
  const columns = readPutMetricDataJson(body, now)!.prepared;
  const t1 = cpu();
  ingestColumnParts(ACCOUNT, NAMESPACE, columns);
  reading += t1 - t0;
  encoding += cpu() - t1;
  return columns.length;
}

console.log(machine());
for (let round = 1; round <= ROUNDS; round++) {
  const line: string[] = [];
  for (const [name, read] of [["general path", general], ["fast reader", fast]] as const) {
    reading = encoding = 0;
    const before = process.cpuUsage();
    let datums = 0;
    for (let k = 0; k < 15; k++) for (const b of bodies) datums += await read(b);
    const used = process.cpuUsage(before);
    line.push(`${name} ${((used.user + used.system) / datums).toFixed(2)}`);
    if (read === fast) line.push(`(reading ${(reading / datums).toFixed(2)}, partitions and messages ${(encoding / datums).toFixed(2)})`);
  }
  console.log(`round ${round}: CPU µs per datum, body to ingest messages: ${line.join(", ")}`);
}
