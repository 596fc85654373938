/**
 * Carrying out an alarm's actions on the platform, which has no SNS and no
 * EC2 API of its own here: NATS is the bus.
 *
 * - SNS topic ARN (of the alarm's own account) → a JetStream publish on
 *   `sns.{account}.{topic}` of the notification SNS would deliver (the
 *   `"Type":"Notification"` envelope whose Message is AWS's alarm JSON). The
 *   message id is the pending action's id, so a repeat after a crash is
 *   dropped by the stream's duplicate window: published once.
 * - `arn:aws:automate:{region}:ec2:stop|terminate|reboot` → a NATS request on
 *   `ec2.cmd.{instance-id}` with `{"id","attributes":{...:true}}` and the
 *   header X-Account-ID, as the platform's gateway sends it (5 s timeout).
 * - Anything else AWS accepts (Lambda, SSM, Auto Scaling, another account's
 *   topic) is recorded as a failed Action, as AWS records an action it could
 *   not carry out.
 */
import { randomUUID } from "node:crypto";
import { headers as natsHeaders, StorageType, RetentionPolicy, nanos } from "nats";
import { ensureStream, getNats } from "../storage/nats.js";
import { keyToken } from "../storage/kv.js";
import { alarmArn, type AlarmRecord, type PendingAction } from "./alarm.js";
import { awsJsonDate, Double, javaJson } from "./format.js";
import { regionName } from "./regions.js";

export const NOTIFICATIONS_STREAM = "CW_ALARM_NOTIFICATIONS";
const EC2_TIMEOUT_MS = 5000;

export type ActionOutcome = { ok: true; message?: string } | { ok: false; error: string };

/** The notifications stream: every `sns.>` subject, kept 14 days, repeats within 10 minutes dropped by message id. */
export const ensureNotificationStream = () =>
  ensureStream({
    name: NOTIFICATIONS_STREAM,
    subjects: ["sns.>"],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(14 * 86_400_000),
    duplicate_window: nanos(10 * 60_000),
  });

export const snsSubject = (account: string, topic: string) => `sns.${account}.${keyToken(topic)}`;

const EC2_ATTRIBUTE: Record<string, string> = { stop: "stop_instance", terminate: "delete_instance", reboot: "reboot_instance" };

export async function executeAction(account: string, alarm: AlarmRecord, action: PendingAction, now: number): Promise<ActionOutcome> {
  const sns = /^arn:aws(?:-[a-z-]+)?:sns:([^:]+):(\d{12}):([^:]+)$/.exec(action.arn);
  if (sns) {
    if (sns[2] !== account) return { ok: false, error: `Topic ${action.arn} belongs to another account; cross-account notifications are not permitted.` };
    const message = alarmMessage(account, alarm, action);
    const envelope = {
      Type: "Notification",
      MessageId: action.id,
      TopicArn: action.arn,
      Subject: truncate(`${action.newState}: "${alarm.name}" in ${regionName(alarm.region)}`, 100),
      Message: message,
      Timestamp: new Date(now).toISOString(),
      SignatureVersion: "1",
      Signature: "",
      SigningCertURL: "",
      UnsubscribeURL: "",
    };
    await ensureNotificationStream();
    const { js } = await getNats();
    await js.publish(snsSubject(account, sns[3]), Buffer.from(JSON.stringify(envelope)), { msgID: action.id });
    return { ok: true, message };
  }
  const ec2 = /^arn:aws(?:-[a-z-]+)?:automate:([^:]+):ec2:(stop|terminate|reboot|recover)$/.exec(action.arn);
  if (ec2) {
    const instance = alarm.metric?.dimensions.find((d) => d.Name === "InstanceId")?.Value;
    if (!instance) return { ok: false, error: "The alarm's metric has no InstanceId dimension." };
    const attribute = EC2_ATTRIBUTE[ec2[2]];
    if (!attribute) return { ok: false, error: `The ${ec2[2]} action is not supported by this platform.` };
    const { nc } = await getNats();
    const h = natsHeaders();
    h.set("X-Account-ID", account);
    try {
      const reply = await nc.request(`ec2.cmd.${instance}`, Buffer.from(JSON.stringify({ id: instance, attributes: { [attribute]: true } })), {
        timeout: EC2_TIMEOUT_MS,
        headers: h,
      });
      const error = replyError(reply.data);
      return error ? { ok: false, error } : { ok: true };
    } catch (e) {
      const code = (e as { code?: string }).code;
      return { ok: false, error: code === "503" ? `No responder for instance ${instance}.` : code === "TIMEOUT" ? `The request to instance ${instance} timed out.` : String((e as Error).message ?? e) };
    }
  }
  return { ok: false, error: `The action ${action.arn} is not supported by this platform.` };
}

/** An error the EC2 daemon answered with, if any (its replies carry `error` or AWS-style `Code`). */
function replyError(data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  try {
    const body = JSON.parse(Buffer.from(data).toString("utf8"));
    const e = body?.error ?? body?.Error ?? body?.Code;
    return e ? (typeof e === "string" ? e : JSON.stringify(e)) : undefined;
  } catch {
    return undefined;
  }
}

const truncate = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** The alarm JSON AWS puts in the SNS Message (field order as AWS sends it). */
export function alarmMessage(account: string, alarm: AlarmRecord, action: Pick<PendingAction, "oldState" | "newState" | "at">): string {
  const body: Record<string, unknown> = {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description ?? null,
    AWSAccountId: account,
    AlarmConfigurationUpdatedTimestamp: awsJsonDate(alarm.configUpdatedAt),
    NewStateValue: action.newState,
    NewStateReason: alarm.state.reason,
    StateChangeTime: awsJsonDate(action.at),
    Region: regionName(alarm.region),
    AlarmArn: alarmArn(alarm.region, account, alarm.name),
    OldStateValue: action.oldState,
    OKActions: alarm.okActions,
    AlarmActions: alarm.alarmActions,
    InsufficientDataActions: alarm.insufficientDataActions,
  };
  const m = alarm.metric;
  if (m) {
    // No mute rules here, so never after a mute window; AWS sends the flag (localstack's AWS-recorded
    // test_put_metric_alarm, alarm-triggered-sqs-msg, 2026-02-26).
    body.ActionExecutedAfterMuteWindow = false;
    const trigger: Record<string, unknown> = m.metrics
      ? {
          Metrics: m.metrics.map((q) => ({
            Id: q.Id,
            ...(q.Expression !== undefined ? { Expression: q.Expression } : {}),
            ...(q.MetricStat
              ? {
                  MetricStat: {
                    Metric: {
                      Dimensions: (q.MetricStat.Metric?.Dimensions ?? []).map((d) => ({ value: d.Value, name: d.Name })),
                      MetricName: q.MetricStat.Metric?.MetricName,
                      Namespace: q.MetricStat.Metric?.Namespace,
                    },
                    Period: q.MetricStat.Period,
                    Stat: q.MetricStat.Stat,
                  },
                }
              : {}),
            ...(q.Label !== undefined ? { Label: q.Label } : {}),
            ReturnData: q.ReturnData !== false,
          })),
        }
      : {
          MetricName: m.metricName,
          Namespace: m.namespace,
          StatisticType: m.extendedStatistic ? "ExtendedStatistic" : "Statistic",
          ...(m.extendedStatistic ? { ExtendedStatistic: m.extendedStatistic } : { Statistic: m.statistic?.toUpperCase() }),
          Unit: m.unit ?? null,
          Dimensions: m.dimensions.map((d) => ({ value: d.Value, name: d.Name })),
          Period: m.period,
        };
    Object.assign(trigger, {
      EvaluationPeriods: m.evaluationPeriods,
      ...(m.datapointsToAlarm !== undefined ? { DatapointsToAlarm: m.datapointsToAlarm } : {}),
      ComparisonOperator: m.comparisonOperator,
      ...(m.thresholdMetricId ? { ThresholdMetricId: m.thresholdMetricId } : { Threshold: new Double(m.threshold ?? 0) }),
      TreatMissingData: m.treatMissingData ?? "",
      EvaluateLowSampleCountPercentile: m.evaluateLowSampleCountPercentile ?? "",
    });
    body.Trigger = trigger;
  }
  if (alarm.composite) {
    body.AlarmRule = alarm.composite.rule;
    const data = alarm.state.reasonData ? JSON.parse(alarm.state.reasonData) : undefined;
    body.TriggeringChildren = (data?.triggeringAlarms ?? []).map((t: any) => ({ Arn: t.arn, State: { Value: t.state.value, Timestamp: t.state.timestamp } }));
  }
  return javaJson(body);
}

/** The actions a transition to `state` fires (none while actions are disabled). */
export function actionsFor(alarm: AlarmRecord, state: string): string[] {
  if (!alarm.actionsEnabled) return [];
  return state === "ALARM" ? alarm.alarmActions : state === "OK" ? alarm.okActions : alarm.insufficientDataActions;
}

/** Pending actions for a transition, each with a fresh id. */
export function pendingFor(alarm: AlarmRecord, oldState: PendingAction["oldState"], newState: PendingAction["newState"], at: number): PendingAction[] {
  return actionsFor(alarm, newState).map((arn) => ({ id: randomUUID(), arn, oldState, newState, at }));
}
