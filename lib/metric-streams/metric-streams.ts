/**
 * PutMetricStream, GetMetricStream, ListMetricStreams, DeleteMetricStream,
 * StartMetricStreams and StopMetricStreams over the `cw-metric-streams` KV
 * bucket (records: metric-stream.ts). AWS's rules (API reference):
 * PutMetricStream creates a stream in the running state and, on an existing
 * name, updates its configuration without changing its state; Tags count
 * only when a stream is created. DeleteMetricStream, Start and Stop declare
 * no not-found error: an unknown name is no error, as nothing there says otherwise.
 */
import type {
  DeleteMetricStreamInput,
  DeleteMetricStreamOutput,
  GetMetricStreamInput,
  GetMetricStreamOutput,
  ListMetricStreamsInput,
  ListMetricStreamsOutput,
  MetricStreamEntry,
  MetricStreamFilter,
  PutMetricStreamInput,
  PutMetricStreamOutput,
  StartMetricStreamsInput,
  StartMetricStreamsOutput,
  StopMetricStreamsInput,
  StopMetricStreamsOutput,
} from "@aws-sdk/client-cloudwatch";
import { cloudwatchError, invalidNextToken } from "../errors.js";
import { createRecord, deleteRecord, modifyRecord } from "../storage/kv.js";
import {
  checkpointsBucket,
  getStream,
  listStreams,
  metricStreamArn,
  modifyStream,
  storable,
  streamKey,
  streamsBucket,
  type MetricStreamRecord,
  type StreamState,
} from "./metric-stream.js";
import { isEmpty, validatePutMetricStream } from "./validate.js";
import { decodeAfterToken, encodeAfterToken } from "../after-token.js";

/** ListMetricStreams' page when MaxResults is not given: the largest the model allows. */
export const LIST_PAGE_SIZE = 500;

/** Filters as given, each MetricNames list only when it names some. */
const filtersOf = (filters: MetricStreamFilter[] | undefined): MetricStreamFilter[] | undefined =>
  isEmpty(filters) ? undefined : filters!.map((f) => ({ Namespace: f.Namespace, ...(f.MetricNames?.length ? { MetricNames: f.MetricNames } : {}) }));

export async function putMetricStream(account: string, region: string, input: PutMetricStreamInput): Promise<PutMetricStreamOutput> {
  validatePutMetricStream(input);
  const name = input.Name!;
  const now = Date.now();
  const config = {
    firehoseArn: input.FirehoseArn!,
    roleArn: input.RoleArn!,
    outputFormat: input.OutputFormat!,
    includeFilters: filtersOf(input.IncludeFilters),
    excludeFilters: filtersOf(input.ExcludeFilters),
    statisticsConfigurations: input.StatisticsConfigurations?.length ? input.StatisticsConfigurations : undefined,
    includeLinkedAccountsMetrics: input.IncludeLinkedAccountsMetrics ?? false,
  };
  const kv = await streamsBucket();
  const key = streamKey(account, region, name);
  for (let attempt = 0; attempt < 5; attempt++) {
    // An existing stream keeps its state, creation date and tags.
    const updated = await modifyRecord<MetricStreamRecord>(kv, key, (cur) => ({ ...cur, ...config, updatedAt: now }));
    if (updated) break;
    const record: MetricStreamRecord = { v: 1, name, region, ...config, state: "running", createdAt: now, updatedAt: now, runningSince: now, tags: input.Tags ?? [] };
    if (await createRecord(kv, key, record)) break;
  }
  return { Arn: metricStreamArn(account, region, name) };
}

const notFound = (name: string) => cloudwatchError("ResourceNotFoundException", `Metric stream ${name} does not exist.`);

export async function getMetricStream(account: string, region: string, input: GetMetricStreamInput): Promise<GetMetricStreamOutput> {
  const rec = await getStream(account, region, input.Name!);
  if (!rec) throw notFound(input.Name!);
  const s = rec.value;
  return {
    Arn: metricStreamArn(account, region, s.name),
    Name: s.name,
    ...(s.includeFilters ? { IncludeFilters: s.includeFilters } : {}),
    ...(s.excludeFilters ? { ExcludeFilters: s.excludeFilters } : {}),
    FirehoseArn: s.firehoseArn,
    RoleArn: s.roleArn,
    State: s.state,
    CreationDate: new Date(s.createdAt),
    LastUpdateDate: new Date(s.updatedAt),
    OutputFormat: s.outputFormat as GetMetricStreamOutput["OutputFormat"],
    ...(s.statisticsConfigurations ? { StatisticsConfigurations: s.statisticsConfigurations } : {}),
    IncludeLinkedAccountsMetrics: s.includeLinkedAccountsMetrics,
  };
}

const decodeToken = (token: string) => decodeAfterToken(token, () => invalidNextToken());

export async function listMetricStreams(account: string, region: string, input: ListMetricStreamsInput): Promise<ListMetricStreamsOutput> {
  const after = input.NextToken ? decodeToken(input.NextToken) : undefined;
  const size = input.MaxResults ?? LIST_PAGE_SIZE;
  const all = (await listStreams(account, region)).map((r) => r.value).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rest = after === undefined ? all : all.filter((s) => s.name > after);
  const page = rest.slice(0, size);
  const Entries: MetricStreamEntry[] = page.map((s) => ({
    Arn: metricStreamArn(account, region, s.name),
    CreationDate: new Date(s.createdAt),
    LastUpdateDate: new Date(s.updatedAt),
    Name: s.name,
    FirehoseArn: s.firehoseArn,
    State: s.state,
    OutputFormat: s.outputFormat as MetricStreamEntry["OutputFormat"],
  }));
  return { Entries, ...(rest.length > page.length ? { NextToken: encodeAfterToken(page[page.length - 1].name) } : {}) };
}

export async function deleteMetricStream(account: string, region: string, input: DeleteMetricStreamInput): Promise<DeleteMetricStreamOutput> {
  const name = input.Name!;
  if (!storable(name)) return {};
  const key = streamKey(account, region, name);
  await deleteRecord(await streamsBucket(), key);
  await deleteRecord(await checkpointsBucket(), key);
  return {};
}

async function setState(account: string, region: string, names: string[] | undefined, state: StreamState): Promise<void> {
  const now = Date.now();
  await Promise.all(
    [...new Set(names ?? [])].filter(storable).map((name) =>
      // A stream started again streams from then on: the minutes it was stopped are not sent.
      modifyStream(account, region, name, (cur) =>
        cur.state === state ? undefined : { ...cur, state, ...(state === "running" ? { runningSince: now } : {}) },
      ),
    ),
  );
}

export async function startMetricStreams(account: string, region: string, input: StartMetricStreamsInput): Promise<StartMetricStreamsOutput> {
  await setState(account, region, input.Names, "running");
  return {};
}

export async function stopMetricStreams(account: string, region: string, input: StopMetricStreamsInput): Promise<StopMetricStreamsOutput> {
  await setState(account, region, input.Names, "stopped");
  return {};
}
