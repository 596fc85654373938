/**
 * The decoders test/support/fuzz.ts drives: for each, valid inputs to start
 * mutating from (made by the real encoders, or as the SDK sends them) and the
 * call that decodes one input the way the service does. Text formats also
 * name tokens worth splicing in.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest, buildQueryString } from "@smithy/core/protocols";
import { verifySigV4, type IncomingSignedRequest } from "../../lib/auth/sigv4.js";
import type { Credential } from "../../lib/config/config.js";
import { gunzipSync } from "node:zlib";
import { decodeChunk, decodeChunkBasic, encodeChunk, viewChunkBasic, type Bucket } from "../../lib/metrics/encoding/chunk.js";
import { decodeBlock, encodeChunk as encodeLogChunk, inflateBlock, type BlockCheck } from "../../lib/logs/events/chunk-codec.js";
import { compileFilterPattern } from "../../lib/logs/patterns/index.js";
import { ChunkMerge } from "../../lib/metrics/encoding/chunk-merge.js";
import { decodeDelta, deltaRange, encodeDelta } from "../../lib/metrics/encoding/delta-codec.js";
import { decodeWindowListing, encodeWindowListing } from "../../lib/metrics/encoding/window-listing.js";
import { decodeIngestColumns, decodeIngestMessage, IngestColumns, type IngestMessage } from "../../lib/metrics/encoding/ingest-codec.js";
import { encodeIngestMessage } from "../../lib/metrics/encoding/datum-columns.js";
import { Aggregate } from "../../lib/metrics/read/aggregate.js";
import { decodeStoredChunk, encodeStoredChunk, readRecord, viewStoredChunkBasic } from "../../lib/metrics/store/chunk-store.js";
import { decodeCborInput, encodeCborValue } from "../../lib/protocol/cbor.js";
import { decodeInput, identify, operationModel } from "../../lib/protocol/index.js";
import { decodeJsonInput } from "../../lib/protocol/json.js";
import { readPutMetricDataJson } from "../../lib/metrics/write/put-metric-data-json.js";
import { CLOUDWATCH, LOGS } from "../../lib/protocol/services.js";
import { rng } from "./random.js";
import { Sha256 } from "./sha256.js";

export interface FuzzInput {
  /** Which variant of the target the bytes are for (an operation, a record kind). */
  label: string;
  bytes: Uint8Array;
}

export interface FuzzTarget {
  seeds(): FuzzInput[] | Promise<FuzzInput[]>;
  decode(input: FuzzInput): unknown;
  tokens?: string[];
}

const text = (label: string, s: string): FuzzInput => ({ label, bytes: new TextEncoder().encode(s) });
const T = 1_765_977_780; // 2025-12-17T13:23:00Z, epoch seconds

// ---------------------------------------------------------------------------
// Requests, as objects: serialised per protocol below.

const dims = [{ Name: "Host", Value: "web-1" }, { Name: "Région", Value: "ü 🚀" }];

function putMetricData(datums: number, ts: (s: number) => unknown) {
  const r = rng(datums);
  return {
    Namespace: "App/Fuzz",
    MetricData: Array.from({ length: datums }, (_, i) =>
      i % 3 === 0
        ? { MetricName: "Latency", Dimensions: dims, Timestamp: ts(T + i), Value: r() * 100, Unit: "Milliseconds", StorageResolution: 1 }
        : i % 3 === 1
          ? { MetricName: "Sizes", Values: [1, 2.5, 1e300], Counts: [1, 2, 3], Unit: "Bytes" }
          : { MetricName: "Stats", StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2 }, Dimensions: [dims[0]] },
    ),
  };
}

const getMetricData = (ts: (s: number) => unknown) => ({
  MetricDataQueries: [
    { Id: "m1", MetricStat: { Metric: { Namespace: "App", MetricName: "Latency", Dimensions: dims }, Period: 60, Stat: "p99", Unit: "Milliseconds" }, ReturnData: false },
    { Id: "e1", Expression: "SUM(METRICS()) / PERIOD(m1)", Label: "total ${MAX}" },
    { Id: "q1", Expression: "SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId) GROUP BY InstanceId ORDER BY AVG() DESC LIMIT 10", Period: 300 },
  ],
  StartTime: ts(T - 3600),
  EndTime: ts(T),
  ScanBy: "TimestampDescending",
  MaxDatapoints: 1000,
  LabelOptions: { Timezone: "-0130" },
});

const getMetricStatistics = (ts: (s: number) => unknown) => ({
  Namespace: "App",
  MetricName: "Latency",
  Dimensions: dims,
  StartTime: ts(T - 86_400),
  EndTime: ts(T),
  Period: 60,
  Statistics: ["Average", "SampleCount"],
  ExtendedStatistics: ["p99.9", "TM(10%:90%)"],
  Unit: "Seconds",
});

const listMetrics = { Namespace: "App", Dimensions: [{ Name: "Host" }], RecentlyActive: "PT3H", IncludeLinkedAccounts: true, NextToken: "abc" };
const putDashboard = { DashboardName: "ops", DashboardBody: JSON.stringify({ widgets: [{ type: "text", x: 0, y: 0, width: 6, height: 3, properties: { markdown: "hi" } }] }) };

const JSON_TOKENS = ['"', "\\", "\\u", "\\ud800", "{", "}", "[", "]", ",", ":", "null", "true", "-0", "1e999", "NaN", '"Infinity"', '"__proto__"', "\u0000", "é"];

function jsonSeeds(): FuzzInput[] {
  const secs = (s: number) => s;
  const cw: Array<[string, unknown]> = [
    ["PutMetricData", putMetricData(4, secs)],
    ["PutMetricData", putMetricData(1000, secs)], // over 96 KB: parsed in pieces (json-parse.ts)
    ["GetMetricData", getMetricData(secs)],
    ["GetMetricStatistics", getMetricStatistics((s) => new Date(s * 1000).toISOString())],
    ["ListMetrics", listMetrics],
    ["PutDashboard", putDashboard],
    ["DeleteDashboards", { DashboardNames: ["a", "b"] }],
  ];
  const logs: Array<[string, unknown]> = [
    ["CreateLogGroup", { logGroupName: "/app/web", tags: { team: "ops" }, logGroupClass: "STANDARD" }],
    ["DescribeLogStreams", { logGroupIdentifier: "arn:aws:logs:us-east-1:000000000000:log-group:/app/web", orderBy: "LastEventTime", descending: true, limit: 5 }],
    ["PutRetentionPolicy", { logGroupName: "/app/web", retentionInDays: 14 }],
    ["TagResource", { resourceArn: "arn:aws:logs:us-east-1:000000000000:log-group:/app/web", tags: { a: "b" } }],
  ];
  return [
    ...cw.map(([op, body]) => text(`cloudwatch:${op}`, JSON.stringify(body))),
    ...logs.map(([op, body]) => text(`logs:${op}`, JSON.stringify(body))),
  ];
}

function operationInput(label: string) {
  const [service, op] = label.split(":");
  const model = service === "logs" ? LOGS : CLOUDWATCH;
  return { model, input: model.operations.get(op)!.input };
}

function cborSeeds(): FuzzInput[] {
  const date = (s: number) => new Date(s * 1000);
  const ops: Array<[string, unknown]> = [
    ["PutMetricData", putMetricData(5, date)],
    ["GetMetricData", getMetricData(date)],
    ["GetMetricStatistics", getMetricStatistics(date)],
    ["ListMetrics", listMetrics],
    ["PutDashboard", putDashboard],
  ];
  return ops.map(([op, body]) => ({ label: `cloudwatch:${op}`, bytes: encodeCborValue(body) }));
}

// awsQuery forms, as botocore writes them.
const FORMS = [
  "Action=PutMetricData&Version=2010-08-01&Namespace=App%2FFuzz&MetricData.member.1.MetricName=Latency&MetricData.member.1.Value=1.5&MetricData.member.1.Unit=Milliseconds&MetricData.member.1.Timestamp=2025-12-17T13%3A23%3A00.500Z&MetricData.member.1.Dimensions.member.1.Name=Host&MetricData.member.1.Dimensions.member.1.Value=web-1&MetricData.member.2.MetricName=Sizes&MetricData.member.2.Values.member.1=1&MetricData.member.2.Values.member.2=2.5&MetricData.member.2.Counts.member.1=1&MetricData.member.2.Counts.member.2=4&MetricData.member.3.MetricName=S&MetricData.member.3.StatisticValues.SampleCount=2&MetricData.member.3.StatisticValues.Sum=3&MetricData.member.3.StatisticValues.Minimum=1&MetricData.member.3.StatisticValues.Maximum=2",
  "Action=GetMetricData&Version=2010-08-01&MetricDataQueries.member.1.Id=m1&MetricDataQueries.member.1.MetricStat.Metric.Namespace=App&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Latency&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Sum&MetricDataQueries.member.2.Id=e1&MetricDataQueries.member.2.Expression=m1%2A2&StartTime=2025-12-17T12%3A00%3A00Z&EndTime=2025-12-17T13%3A00%3A00Z&LabelOptions.Timezone=%2B0100",
  "Action=GetMetricStatistics&Version=2010-08-01&Namespace=App&MetricName=Latency&StartTime=2025-12-17T12%3A00%3A00Z&EndTime=2025-12-17T13%3A00%3A00Z&Period=60&Statistics.member.1=Average&ExtendedStatistics.member.1=p99&Dimensions.member.1.Name=Host&Dimensions.member.1.Value=web-1",
  "Action=ListMetrics&Version=2010-08-01&Namespace=App&Dimensions.member.1.Name=Host&RecentlyActive=PT3H",
  "Action=PutDashboard&Version=2010-08-01&DashboardName=ops&DashboardBody=%7B%22widgets%22%3A%5B%5D%7D",
  "Action=DeleteDashboards&Version=2010-08-01&DashboardNames.member.1=a&DashboardNames.member.2=b",
];
const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };

// SigV4: a request as text ("METHOD path?query", header lines, a blank line, the body), signed for real.
const CRED: Credential = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", accountId: "123456789012" };
const SIGNED_AT = new Date("2026-11-25T06:00:00Z");
const HOST = "monitoring.us-east-1.amazonaws.com";

function requestText(r: HttpRequest, body: string): string {
  const query = buildQueryString(r.query ?? {});
  const head = `${r.method} ${r.path}${query ? `?${query}` : ""}`;
  return [head, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), "", body].join("\n");
}

async function sigv4Seeds(): Promise<FuzzInput[]> {
  const signer = new SignatureV4({ credentials: CRED, region: "us-east-1", service: "monitoring", sha256: Sha256 as any });
  const body = '{"Namespace":"AWS/EC2"}';
  const post = new HttpRequest({
    method: "POST",
    protocol: "https:",
    hostname: HOST,
    path: "/",
    headers: { host: HOST, "content-type": "application/x-amz-json-1.0", "x-amz-target": "GraniteServiceVersion20100801.ListMetrics" },
    body,
  });
  const get = new HttpRequest({ method: "GET", protocol: "https:", hostname: HOST, path: "/a%20b/", query: { Action: "ListMetrics", x: "y z" }, headers: { host: HOST } });
  const signed = (await signer.sign(post, { signingDate: SIGNED_AT })) as HttpRequest;
  const presigned = (await signer.presign(get, { signingDate: SIGNED_AT, expiresIn: 3600 })) as HttpRequest;
  return [text("header", requestText(signed, body)), text("presigned", requestText(presigned, ""))];
}

/** The request a text names; lenient, as the HTTP server is before SigV4 runs. */
function parseRequestText(s: string): IncomingSignedRequest {
  const [head, ...rest] = s.split("\n");
  const blank = rest.indexOf("");
  const lines = blank < 0 ? rest : rest.slice(0, blank);
  const [method = "", target = ""] = head.split(" ");
  const q = target.indexOf("?");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? "" : target.slice(q + 1),
    headers,
    body: Buffer.from(blank < 0 ? "" : rest.slice(blank + 1).join("\n")),
  };
}

// ---------------------------------------------------------------------------
// Stored formats

const HOUR = Date.UTC(2026, 10, 25, 6);
const MINUTE = 60_000;

function chunkBuckets(): Bucket[][] {
  const r = rng(7);
  const single = Array.from({ length: 60 }, (_, i) => ({ t: HOUR + i * MINUTE, agg: Aggregate.of(Number((40 + r() * 10).toFixed(2))), unit: "Percent" }));
  const gappy = single.filter((_, i) => i % 7 !== 3 && i % 5 !== 1);
  const sparse = single.filter((_, i) => i % 17 === 0);
  const full = Array.from({ length: 30 }, (_, i) => {
    const agg = Aggregate.of(...Array.from({ length: 20 }, () => r() * 1000 - 100));
    return { t: HOUR + i * MINUTE, agg, unit: i % 2 ? "Seconds" : undefined };
  });
  const mixed = [
    { t: HOUR, agg: Aggregate.of(5, 5, 5) },
    { t: HOUR + MINUTE, agg: Aggregate.of(1, 1e-9, -3.25, 0, 7) },
    { t: HOUR + 3 * MINUTE, agg: statisticSet() },
    { t: HOUR + 4 * MINUTE, agg: new Aggregate() },
    { t: HOUR + 5 * MINUTE + 17, agg: Aggregate.of(Number.MAX_VALUE) },
  ];
  return [single, gappy, sparse, full, mixed, []];
}

function statisticSet(): Aggregate {
  const a = new Aggregate();
  a.addStatisticSet({ SampleCount: 10, Sum: 55, Minimum: 1, Maximum: 10 });
  return a;
}

function chunkSeeds(): FuzzInput[] {
  const sets = chunkBuckets();
  const chunks = sets.flatMap((b) => [encodeChunk(b, MINUTE, 0), encodeChunk(b, MINUTE, 9)]);
  const records = sets.map((b, i) =>
    encodeStoredChunk(MINUTE, { lastSeq: 1000 + i, incarnation: 77 + i, absorbed: i % 2 ? [1, 2, 3] : [], buckets: new Map(b.map((x) => [x.t, x.agg])) }, i % 2 ? 9 : 0),
  );
  return [...chunks.map((bytes) => ({ label: "chunk", bytes })), ...records.map((bytes) => ({ label: "record", bytes }))];
}

function ingestMessages(): IngestMessage[] {
  const d: Array<[string, string]> = [["Host", "web-1"], ["Région", "ü"]];
  return [
    {
      account: "000000000000",
      namespace: "App",
      data: [
        { m: "Latency", d, t: HOUR, u: "Milliseconds", v: 1.5 },
        { m: "Latency", d, t: HOUR + 1000, u: "Milliseconds", r: 1, v: 2 },
        { m: "Sizes", d: [], t: HOUR - 5 * MINUTE, u: "Bytes", vs: [1, 2, 3], cs: [1, 1, 4] },
        { m: "Sizes", d: [], t: HOUR + 2 ** 52, u: "None", vs: [] },
        { m: "Stats", d: [d[0]], t: HOUR, u: "Count", s: [2, 3, 1, 2] },
      ],
    },
    { account: "111111111111", namespace: "N", data: [] },
  ];
}

function ingestSeeds(): FuzzInput[] {
  const msgs = ingestMessages();
  return [
    ...msgs.map((m) => ({ label: "binary", bytes: encodeIngestMessage(m) })),
    text("json", JSON.stringify(msgs[0])), // the form of earlier versions
  ];
}

function deltaSeeds(): FuzzInput[] {
  const sets = chunkBuckets();
  const chunk = (i: number, tier: "m1" | "s1" | "m5") => ({
    ref: { account: "000000000000", seriesId: `series${i}`, unit: i % 2 ? "None" : "Percent", tier, start: HOUR },
    buckets: sets[i % sets.length],
  });
  return [
    { label: "delta", bytes: encodeDelta(1, 40, [chunk(0, "m1"), chunk(1, "m1"), chunk(3, "s1"), chunk(4, "m5")]) },
    { label: "delta", bytes: encodeDelta(41, 41, []) },
  ];
}

/** Log chunks (docs/formats/log-chunk.md): whole objects of text version 2, and block texts of both versions. */
async function logChunkSeeds(): Promise<FuzzInput[]> {
  const messages = ["GET /api/items/7 200 12ms", "", "multi\nline ünï 🌏", '{"latency":999,"user":"\\u00e9"}', "#events 1", "1 2 3\n\n4 5"];
  const events = Array.from({ length: 40 }, (_, i) => ({
    timestamp: HOUR + Math.floor(i / 3),
    ingestionTime: HOUR + 50 - (i % 4),
    seq: 9 + Math.floor(i / 15) - (i % 17 === 16 ? 5 : 0),
    index: i % 15 === 7 ? 99 : i % 15,
    message: messages[i % messages.length],
  }));
  const small = await encodeLogChunk(events);
  const big = await encodeLogChunk(Array.from({ length: 3 }, (_, i) => ({ ...events[i], message: "x".repeat(70_000) + messages[i] })));
  const texts = [small, big].flatMap((c) => c.blocks.map((b, i) => gunzipSync(c.body.subarray(b.offset, c.blocks[i + 1]?.offset ?? c.body.length))));
  const v1 = "#hive-cloudwatch-logs-chunk 1\n" + events.map((e) => `${e.timestamp} ${e.ingestionTime} ${e.seq} ${e.index} ${Buffer.byteLength(e.message)}\n${e.message}\n`).join("");
  return [
    { label: "object", bytes: small.body },
    ...texts.map((bytes, i) => ({ label: i === 0 || i === small.blocks.length ? "first" : "block", bytes })),
    text("first", v1),
    text("block", v1.slice(v1.indexOf("\n") + 1)),
  ];
}

const LOG_PATTERN = compileFilterPattern("{ $.latency > 995 }");
const LOG_CHECK: BlockCheck = {
  needles: LOG_PATTERN.bytesCheck!.needles.map((n) => Buffer.from(n)),
  test: LOG_PATTERN.bytesCheck!.test,
  candidates: LOG_PATTERN.bytesCheck!.candidates,
};
const LOG_NEEDLES = [[Buffer.from("items")], [Buffer.from("200"), Buffer.from("ünï")]];

// ---------------------------------------------------------------------------

// PutMetricData's fast reader reads max_metrics_per_request: local mode's defaults serve.
process.env.HIVE_CLOUDWATCH_LOCAL ??= "true";

export type FuzzTargetName = "identify" | "json" | "cbor" | "query" | "sigv4" | "chunk" | "ingest" | "delta" | "listing" | "log-chunk" | "harness-hang" | "harness-throw";

const MERGE = new ChunkMerge();

export const FUZZ_TARGETS: Record<FuzzTargetName, FuzzTarget> = {
  identify: {
    // Which service, protocol and operation a request names: its method, path, query and headers.
    seeds: () => [
      text("request", "POST /\nx-amz-target: GraniteServiceVersion20100801.PutMetricData\ncontent-type: application/x-amz-json-1.0\n\n{}"),
      text("request", "POST /\nx-amz-target: Logs_20140328.CreateLogGroup\ncontent-type: application/x-amz-json-1.1\n\n{}"),
      text("request", "POST /service/GraniteServiceVersion20100801/operation/GetMetricData\nsmithy-protocol: rpc-v2-cbor\n\n"),
      text("request", "POST /\ncontent-type: application/x-www-form-urlencoded\n\nAction=ListMetrics&Version=2010-08-01"),
      text("request", "GET /?Action=ListMetrics&Version=2010-08-01\n\n"),
    ],
    tokens: ["%", "%E0%A4", "%2F", "/", ".", "?", "&", "Action=", "x-amz-target: ", "/service/", "/operation/", "\n"],
    decode: ({ bytes }) => {
      const req = parseRequestText(Buffer.from(bytes).toString("utf8"));
      return operationModel(identify(req.method, req.path, req.query, req.headers, () => req.body));
    },
  },
  json: {
    seeds: jsonSeeds,
    tokens: JSON_TOKENS,
    decode: ({ label, bytes }) => {
      const { model, input } = operationInput(label);
      const body = Buffer.from(bytes);
      // PutMetricData's fast reader meets the same bodies: it reads one or declines it, and throws nothing.
      if (label === "PutMetricData") readPutMetricDataJson(body, Date.now());
      return decodeJsonInput(model, input, body);
    },
  },
  cbor: {
    seeds: cborSeeds,
    decode: ({ label, bytes }) => {
      const { model, input } = operationInput(label);
      return decodeCborInput(model, input, Buffer.from(bytes));
    },
  },
  query: {
    seeds: () => FORMS.map((f) => text("form", f)),
    tokens: ["&", "=", ".member.", ".member.0.", ".member.99999999999.", ".entry.1.key", "%", "%E0%A4", "%ZZ", "+", "Action=", "Version=", ".", "..", "NaN", "-Infinity"],
    decode: async ({ bytes }) => {
      const body = Buffer.from(bytes);
      const id = identify("POST", "/", "", FORM_HEADERS, () => body);
      return decodeInput(id, operationModel(id), body);
    },
  },
  sigv4: {
    seeds: sigv4Seeds,
    tokens: ["Authorization: ", "AWS4-HMAC-SHA256 ", "Credential=", "SignedHeaders=", "Signature=", "/", ",", ";", "=", " ", "%", "%2F", "&", "X-Amz-Date=", "aws4_request", "\n"],
    decode: ({ label, bytes }) =>
      verifySigV4(parseRequestText(Buffer.from(bytes).toString("utf8")), (id) => (id === CRED.accessKeyId ? CRED : undefined), {
        style: label === "header" ? "json" : "query",
        service: "monitoring",
        now: SIGNED_AT,
      }),
  },
  chunk: {
    seeds: chunkSeeds,
    decode: ({ label, bytes }) => {
      if (label === "chunk") {
        viewChunkBasic(bytes);
        decodeChunkBasic(bytes);
        // As compaction reads it: merged without decoding (chunk-merge.ts).
        MERGE.reset();
        MERGE.add(bytes);
        return decodeChunk(bytes);
      }
      MERGE.reset();
      MERGE.add(readRecord(bytes).body);
      viewStoredChunkBasic(bytes);
      decodeStoredChunk(bytes, 1, true);
      return decodeStoredChunk(bytes, 1);
    },
  },
  ingest: {
    seeds: ingestSeeds,
    decode: ({ bytes }) => {
      decodeIngestColumns(bytes, new IngestColumns());
      return decodeIngestMessage(bytes);
    },
  },
  delta: {
    seeds: deltaSeeds,
    // As compaction and the tail cache read a record: the header, then each entry's chunk.
    decode: ({ bytes }) => {
      deltaRange(bytes);
      const delta = decodeDelta(bytes);
      MERGE.reset();
      for (const e of delta.entries) {
        decodeChunkBasic(e.body);
        decodeChunk(e.body);
        MERGE.add(e.body);
      }
      return delta;
    },
  },
  listing: {
    seeds: () => [
      { label: "listing", bytes: encodeWindowListing(["000000000000.AbCdEfGhIjKlMnOpQrStUv.Percent", "111111111111.series-2.=2Fapp=2Fweb", "000000000000.x.None"]) },
      { label: "listing", bytes: encodeWindowListing([]) },
    ],
    decode: ({ bytes }) => decodeWindowListing(bytes),
  },
  "log-chunk": {
    seeds: logChunkSeeds,
    tokens: ["#events ", "#hive-cloudwatch-logs-chunk 2\n", "#hive-cloudwatch-logs-chunk 1\n", "\n", "\n\n", " ", "-", "0", "1 ", "9007199254740991", "-9007199254740991", '"latency":999'],
    // As a scan reads them: an object inflated; a block's text decoded plainly, in a range, with needles, and with a bytes check counted whole.
    decode: async ({ label, bytes }) => {
      const text = label === "object" ? await inflateBlock(bytes) : Buffer.from(bytes);
      const first = label !== "block";
      decodeBlock(text, first);
      decodeBlock(text, first, { startTime: HOUR + 3, endTime: HOUR + 9 });
      decodeBlock(text, first, {}, LOG_NEEDLES);
      decodeBlock(text, first, {}, [], { count: 40, messageBytes: 1000 }, LOG_CHECK);
      return decodeBlock(text, first, {}, LOG_PATTERN.requiredAnyOf?.map((g) => g.map((n) => Buffer.from(n))) ?? [], { count: 40, messageBytes: 1000 }, LOG_CHECK);
    },
  },
  // Decoders that are wrong on purpose, to show the harness catches a hang and a stray exception.
  "harness-hang": {
    seeds: () => [text("hang", "x")],
    decode: ({ bytes }) => {
      if (bytes.length > 200) for (;;);
      return bytes;
    },
  },
  "harness-throw": {
    seeds: () => [text("throw", "x")],
    decode: ({ bytes }) => (bytes.length > 200 ? (null as unknown as Uint8Array).length : bytes),
  },
};
