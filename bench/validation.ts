/**
 * The model validation stage alone, in-process: validated PutMetricData
 * datums per second (the ingest benchmark's requests: 1000 datums, two
 * dimensions, a unit), next to what decoding the same requests from JSON
 * costs, for scale. Also a request with a violation on its last datum (the
 * second, path-building pass).
 *
 *   npx tsx bench/validation.ts [--seconds 5]
 */
import { decodeInput, identify, operationModel } from "../lib/protocol/index.js";
import { validateInput } from "../lib/validation/validate-input.js";
import { ingestRequest, machine, numberArg } from "./common.js";

const SECONDS = numberArg("seconds", 5);
const REQUESTS = 50;

function rate(label: string, datumsPerCall: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < 200; i++) fn(i); // warm-up: compile and optimise
  let calls = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  while (performance.now() < deadline) for (let k = 0; k < 10; k++) fn(calls++);
  const perSecond = (calls * datumsPerCall * 1000) / (performance.now() - started);
  console.log(`  ${label}: ${Math.round(perSecond).toLocaleString("en-US")} datums/s (${((1e9 / perSecond) | 0).toLocaleString("en-US")} ns a datum)`);
  return perSecond;
}

async function main() {
  console.log(machine());
  const headers = { "x-amz-target": "GraniteServiceVersion20100801.PutMetricData", "content-type": "application/x-amz-json-1.0" };
  const bodies = Array.from({ length: REQUESTS }, (_, i) => Buffer.from(JSON.stringify(ingestRequest(i, 10_000, new Date()))));
  const id = identify("POST", "/", "", headers, () => bodies[0]);
  const op = operationModel(id);
  const inputs = await Promise.all(bodies.map((b) => decodeInput(id, op, b)));

  console.log(`PutMetricData, ${REQUESTS} requests of 1000 datums, ${SECONDS} s each:`);
  const validated = rate("validate (valid requests)", 1000, (i) => validateInput("cloudwatch", "PutMetricData", inputs[i % REQUESTS]));
  const decoded = rate("decode JSON (for scale)", 1000, (i) => decodeInput(id, op, bodies[i % REQUESTS]));
  console.log(`  validation / decoding time: ${((100 * decoded) / validated).toFixed(1)}%`);

  const bad = structuredClone(inputs[0]) as { MetricData: Array<{ Dimensions: Array<{ Value: string }> }> };
  bad.MetricData[999].Dimensions[1].Value = "";
  rate("validate (last datum invalid: both passes and the answer)", 1000, () => {
    try {
      validateInput("cloudwatch", "PutMetricData", bad);
    } catch {
      // the answer is the point
    }
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
