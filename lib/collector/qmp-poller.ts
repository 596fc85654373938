/**
 * One tick of the QMP collector on this host: every instance whose sidecar is
 * in the runtime directory and whose period has ended since its last reading
 * is read through its telemetry socket, and the period's AWS/EC2 and AWS/EBS
 * metrics are published through the metric engine's ingest path with the
 * instance's account. Instances are independent: one that fails is logged
 * (once per distinct problem) and skipped for the period.
 */
import { hostname } from "node:os";
import { basename } from "node:path";
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import { durationSeconds, getConfig } from "../config/config.js";
import { putMetricData } from "../metrics/put-metric-data.js";
import { recordKey } from "../storage/kv.js";
import { counterDeltas } from "./counter-deltas.js";
import { ebsMetrics } from "./ebs-metrics.js";
import { ec2Metrics, statusCheckMetrics } from "./ec2-metrics.js";
import { collectGuestAgent } from "./guest-agent-metrics.js";
import { sampleInstance, type InstanceSample, type Roots } from "./instance-sample.js";
import { claimState, instanceKey, readState, stateBucket, STATE_VERSION, type PollerState } from "./poller-state.js";
import { ensureTelemetryStream } from "./telemetry-batch.js";
import { discoverSidecars, ROOT_ACCOUNT, runtimeDir, type Sidecar } from "./sidecars.js";
import { isThrottling, ThrottledPuts, type HeldPut, type SendPut } from "./throttled-puts.js";

export interface PollReport {
  /** Instances whose period this tick published. */
  published: string[];
  /** Instances skipped, with why (already claimed, not due, a problem). */
  skipped: Record<string, string>;
}

export interface PollOptions {
  /** The tick's clock (the schedule event's time): which period has ended. */
  now?: number;
  runtimeDir?: string;
  roots?: Roots;
  /** How long the tick retries puts the store throttled (default 45 s), and the bytes it may hold for that (8 MiB). */
  retryWindowMs?: number;
  retryBudgetBytes?: number;
}

/** Instances read at once: a tick on a host of a few hundred VMs stays within a few seconds. */
const CONCURRENCY = 16;
const MAX_PER_REQUEST = 1000;

/** Datapoints held for retry while the store answers Throttling (throttled-puts.ts): about 1,000 instances' period. */
const RETRY_BUDGET_BYTES = 8 * 2 ** 20;
/** How long a tick keeps retrying them: it ends before the next minute's tick. */
const RETRY_WINDOW_MS = 45_000;

const send: SendPut = (p) => putMetricData({ Namespace: p.namespace, MetricData: p.data }, { accountId: p.accountId, allowReserved: true, retryKey: p.retryKey });

/** Publishes in requests of at most 1,000 datums; one answered Throttling is held for retry, not lost. */
async function publish(owner: string, namespace: string, accountId: string, data: MetricDatum[], retryKey: string, held: ThrottledPuts): Promise<void> {
  for (let i = 0; i < data.length; i += MAX_PER_REQUEST) {
    const put: HeldPut = { owner, namespace, accountId, data: data.slice(i, i + MAX_PER_REQUEST), retryKey: `${retryKey}.${namespace}.${i}` };
    try {
      await send(put);
    } catch (e) {
      if (!isThrottling(e)) throw e;
      held.hold(put);
    }
  }
}

const describe = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return "the telemetry socket is gone (instance vanished)";
  if (err?.code === "ECONNREFUSED") return "nothing listens on the telemetry socket";
  return String(err?.message ?? e).slice(0, 200);
};

/** Runs the instance's period: claim it in KV, then publish what it measured. */
async function pollInstance(sidecar: Sidecar, now: number, timeoutMs: number, roots: Roots, withQmp: boolean, report: PollReport, held: ThrottledPuts): Promise<void> {
  const period = sidecar.periodSeconds * 1000;
  const boundary = Math.floor(now / period) * period;
  const kv = await stateBucket();
  const key = instanceKey(sidecar.accountId, sidecar.instanceId);
  const current = await readState(kv, key);
  if (current && current.value.boundary >= boundary) {
    report.skipped[sidecar.instanceId] = "this period was already collected";
    return;
  }
  let sample: InstanceSample | undefined;
  let problem: string | undefined;
  if (withQmp) {
    try {
      sample = await sampleInstance(sidecar, timeoutMs, roots);
    } catch (e) {
      problem = describe(e);
    }
  }
  const agent = await collectGuestAgent(sidecar, new Date(boundary - period));
  const next: PollerState = { v: STATE_VERSION, boundary, sample, problem, agentProblem: agent.problem };
  if (!(await claimState(kv, key, next, current))) {
    report.skipped[sidecar.instanceId] = "another collector claimed this period";
    return;
  }
  const before = current?.value;
  if (problem && before?.problem !== problem) console.warn(`QmpPoller: ${sidecar.instanceId}: ${problem}; skipped until it recovers`);
  if (agent.problem && before?.agentProblem !== agent.problem) {
    console.warn(`QmpPoller: ${sidecar.instanceId} guest agent: ${agent.problem}; skipped until it recovers`);
  }
  const at = new Date(boundary - period);
  const retryKey = `qmp.${sidecar.instanceId}.${boundary}`;
  if (!sample) {
    if (agent.data.length) await publish(sidecar.instanceId, "CWAgent", sidecar.accountId, agent.data, retryKey, held);
    report.skipped[sidecar.instanceId] = problem ?? "QMP metrics come from the platform's collector";
    return;
  }
  const ec2 = statusCheckMetrics(sidecar.instanceId, at, sample.status);
  let ebs: MetricDatum[] = [];
  const prev = before?.sample;
  // Only a reading taken at the end of the previous period measures exactly this one.
  if (prev && before!.boundary === boundary - period) {
    const r = counterDeltas(prev, sample, sidecar.vcpus);
    if ("deltas" in r) {
      ec2.push(...ec2Metrics(sidecar.instanceId, at, r.deltas));
      ebs = ebsMetrics(at, r.deltas);
    }
  }
  await publish(sidecar.instanceId, "AWS/EC2", sidecar.accountId, ec2, retryKey, held);
  if (ebs.length) await publish(sidecar.instanceId, "AWS/EBS", sidecar.accountId, ebs, retryKey, held);
  if (agent.data.length) await publish(sidecar.instanceId, "CWAgent", sidecar.accountId, agent.data, retryKey, held);
  report.published.push(sidecar.instanceId);
}

/** A malformed sidecar is logged once per distinct problem (tracked in KV like the instances), then skipped. */
async function noteBadSidecar(file: string, problem: string): Promise<void> {
  if (problem === "vanished") return;
  const kv = await stateBucket();
  const key = recordKey(ROOT_ACCOUNT, "sidecar", hostname(), basename(file));
  const current = await readState(kv, key);
  if (current?.value.problem === problem) return;
  if (await claimState(kv, key, { v: STATE_VERSION, boundary: 0, problem }, current)) console.warn(`QmpPoller: ${file}: ${problem}; skipped`);
}

export async function pollHost(opts: PollOptions = {}): Promise<PollReport> {
  const config = getConfig().collector;
  const report: PollReport = { published: [], skipped: {} };
  if (config.source === "off") return report;
  // The platform's own collector supplies AWS/EC2: keep its subjects for the stream trigger.
  if (config.source === "nats") await ensureTelemetryStream();
  const now = opts.now ?? Date.now();
  const timeoutMs = durationSeconds(config.qmpTimeout) * 1000;
  const roots = opts.roots ?? { proc: "/proc", sys: "/sys" };
  const found = await discoverSidecars(opts.runtimeDir ?? runtimeDir(config.runtimeDir));
  const queue = [...found];
  const deadline = Date.now() + (opts.retryWindowMs ?? RETRY_WINDOW_MS);
  const held = new ThrottledPuts(opts.retryBudgetBytes ?? RETRY_BUDGET_BYTES);
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      try {
        if ("problem" in d) await noteBadSidecar(d.file, d.problem);
        else await pollInstance(d.sidecar, now, timeoutMs, roots, config.source === "qmp", report, held);
      } catch (e) {
        // Storage trouble for one instance must not stop the others.
        console.error(`QmpPoller: ${d.file}: ${describe(e)}`);
        report.skipped["sidecar" in d ? d.sidecar.instanceId : d.file] = describe(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  // The periods are claimed: what the store throttled is tried again for the rest of the tick.
  if (held.bytes() > 0) await held.retry(send, { deadline });
  for (const id of held.dropped) {
    report.published = report.published.filter((x) => x !== id);
    report.skipped[id] = "the metric store stayed overloaded (Throttling): datapoints of this period were dropped";
  }
  if (held.dropped.size) console.warn(`QmpPoller: the metric store stayed overloaded (Throttling): datapoints of ${held.dropped.size} instance(s) for this period were dropped`);
  return report;
}
