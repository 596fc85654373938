/**
 * Where subscription filters deliver. This platform has no Kinesis, Firehose
 * or Lambda: a destination ARN names a NATS subject, and every delivery is a
 * message on the JetStream stream CW_LOGS_SUBSCRIPTIONS (subjects
 * `logs.subscriptions.>`), so a subscriber reads it with any NATS or
 * JetStream consumer, now or after a restart:
 *
 *   arn:aws:kinesis:{region}:{account}:stream/{name}            → logs.subscriptions.{account}.{name}
 *   arn:aws:firehose:{region}:{account}:deliverystream/{name}   → logs.subscriptions.{account}.{name}
 *   arn:aws:lambda:{region}:{account}:function:{name}[:qualifier] → logs.subscriptions.{account}.{name}
 *
 * `{name}` is one subject token (characters other than [A-Za-z0-9_-] escaped
 * as `=XX`, lib/storage/kv.ts keyToken). The payload is AWS's: gzip of
 * {messageType, owner, logGroup, logStream, subscriptionFilters, logEvents}.
 */
import { gzipSync } from "node:zlib";
import { RetentionPolicy, StorageType } from "nats";
import { keyToken } from "../../storage/kv.js";
import { ensureStream, getNats } from "../../storage/nats.js";

export const SUBSCRIPTIONS_STREAM = "CW_LOGS_SUBSCRIPTIONS";

export interface DeliveryTarget {
  /** The account owning the target resource. */
  account: string;
  subject: string;
}

/** The subject an ARN of a Kinesis stream, Firehose stream or Lambda function maps to; undefined for anything else. */
export function targetOf(arn: string): DeliveryTarget | undefined {
  const m = /^arn:aws[a-z-]*:(kinesis|firehose|lambda):[a-z0-9-]+:(\d{12}):(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, service, account, resource] = m;
  let name: string | undefined;
  if (service === "kinesis" && resource!.startsWith("stream/")) name = resource!.slice("stream/".length);
  else if (service === "firehose" && resource!.startsWith("deliverystream/")) name = resource!.slice("deliverystream/".length);
  else if (service === "lambda" && resource!.startsWith("function:")) name = resource!.slice("function:".length).split(":")[0];
  if (!name) return undefined;
  return { account: account!, subject: `logs.subscriptions.${account}.${keyToken(name)}` };
}

let ensured: Promise<void> | undefined;
export function ensureSubscriptionsStream(): Promise<void> {
  ensured ??= ensureStream({
    name: SUBSCRIPTIONS_STREAM,
    subjects: ["logs.subscriptions.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    // Kinesis keeps records a day by default; so does this stand-in.
    max_age: 24 * 3600 * 1_000_000_000,
    max_msg_size: 8 * 1024 * 1024,
    duplicate_window: 120_000_000_000,
  }).catch((e) => {
    ensured = undefined;
    throw e;
  });
  return ensured;
}

export interface SubscriptionEnvelope {
  messageType: "DATA_MESSAGE" | "CONTROL_MESSAGE";
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
  policyLevel?: string;
}

/**
 * Publishes one envelope, gzipped as AWS sends it, and resolves once
 * JetStream stored it. `msgId` makes a redelivered batch (a processor that
 * crashed before its checkpoint moved) a duplicate JetStream drops.
 */
export async function deliver(target: DeliveryTarget, envelope: SubscriptionEnvelope, msgId?: string): Promise<void> {
  await ensureSubscriptionsStream();
  const { js } = await getNats();
  await js.publish(target.subject, gzipSync(JSON.stringify(envelope)), msgId ? { msgID: msgId } : undefined);
}

/** AWS's health check on PutSubscriptionFilter: a CONTROL_MESSAGE to the destination. */
export function controlMessage(now: number): SubscriptionEnvelope {
  return {
    messageType: "CONTROL_MESSAGE",
    owner: "CloudwatchLogs",
    logGroup: "",
    logStream: "",
    subscriptionFilters: [],
    logEvents: [{ id: "", timestamp: now, message: "CWL CONTROL MESSAGE: Checking health of destination." }],
  };
}
