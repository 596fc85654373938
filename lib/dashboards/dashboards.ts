/**
 * CloudWatch dashboards: PutDashboard, GetDashboard, ListDashboards and
 * DeleteDashboards over the `cw-dashboards` KV bucket.
 *
 * One record per dashboard, keyed `{account}.{name}`: the account is the first
 * key token, so one account never reads, lists or deletes another's
 * dashboards. Dashboards are global (not per region), as in AWS; the ARN has
 * no region, only the partition of the caller's region:
 * `arn:aws:cloudwatch::{account}:dashboard/{name}` (`arn:aws-cn:` in cn-*).
 * Key and record: docs/formats/kv-keys.md.
 */
import type {
  DashboardEntry,
  DeleteDashboardsInput,
  DeleteDashboardsOutput,
  GetDashboardInput,
  GetDashboardOutput,
  ListDashboardsInput,
  ListDashboardsOutput,
  PutDashboardInput,
  PutDashboardOutput,
  Tag,
} from "@aws-sdk/client-cloudwatch";
import { arn } from "../arn.js";
import { decodeAfterToken, encodeAfterToken } from "../after-token.js";
import type { KV } from "nats";
import { ServiceError, cloudwatchError, invalidParameterValue, missingParameter } from "../errors.js";
import { BUCKETS, getBucket } from "../storage/nats.js";
import { deleteRecord, fromKeyToken, getRecord, putRecord, recordKey } from "../storage/kv.js";
import { invalidBodyMessage, isNotJsonObject, MSG, validateDashboardBody, type ValidationMessage } from "./body.js";

/** What the bucket holds per dashboard. */
export interface DashboardRecord {
  name: string;
  /** The body exactly as it was put; GetDashboard returns it verbatim. */
  body: string;
  /** Epoch milliseconds of the last PutDashboard. */
  lastModified: number;
  /** Size of the body in bytes (UTF-8), as ListDashboards reports it. */
  size: number;
  /** Tags given when the dashboard was created (PutDashboard ignores them on update). */
  tags?: Tag[];
}

export const DASHBOARD_NAME_MAX = 255;
/** Largest DashboardBody accepted, in bytes of UTF-8. */
export const DASHBOARD_BODY_MAX_BYTES = 1024 * 1024;
/** ListDashboards "returns up to 1000 results on one page". */
export const LIST_PAGE_SIZE = 1000;
/** DeleteDashboards: "You can specify up to 100 dashboards to delete." */
export const DELETE_MAX = 100;

const NAME = /^[A-Za-z0-9_-]+$/;

export const dashboardArn = (accountId: string, region: string, name: string) =>
  arn({ service: "cloudwatch", region, accountId, resource: `dashboard/${name}`, global: true });

/**
 * A name PutDashboard could have stored. Others cannot exist, and are answered
 * without a KV lookup (a key far longer than any name would not even fit a
 * NATS control line).
 */
const storable = (name: string) => name.length <= DASHBOARD_NAME_MAX && NAME.test(name);

const notFound = (message: string) => cloudwatchError("DashboardNotFoundError", message);

const bucket = (): Promise<KV> => getBucket(BUCKETS.dashboards);

/** Errors of an invalid body: InvalidParameterInput with the validation messages (DashboardInvalidInputError). */
function invalidInput(message: string, messages: ValidationMessage[]): ServiceError {
  // Members of the DashboardInvalidInputError shape, by their model names.
  return cloudwatchError("DashboardInvalidInputError", message, { dashboardValidationMessages: messages });
}

function checkName(name: string | undefined, parameter = "DashboardName"): string {
  if (name === undefined || name === null || name === "") throw missingParameter(parameter);
  if (name.length > DASHBOARD_NAME_MAX) {
    throw invalidParameterValue(`The value for field ${parameter} must be between 1 and ${DASHBOARD_NAME_MAX} characters long.`);
  }
  if (!NAME.test(name)) {
    throw invalidParameterValue(
      `The value for field ${parameter} contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).\n`,
    );
  }
  return name;
}

export async function putDashboard(accountId: string, input: PutDashboardInput): Promise<PutDashboardOutput> {
  const name = checkName(input.DashboardName);
  const body = input.DashboardBody;
  if (body === undefined || body === null) throw missingParameter("DashboardBody");

  const size = Buffer.byteLength(body, "utf8");
  if (size > DASHBOARD_BODY_MAX_BYTES) {
    const message = `The field DashboardBody must be no larger than ${DASHBOARD_BODY_MAX_BYTES} bytes (it has ${size}).`;
    throw invalidInput(message, [{ DataPath: "", Message: message }]);
  }
  const validation = validateDashboardBody(body);
  if (validation.errors.length) {
    const message = isNotJsonObject(validation) ? MSG.notJsonObject : invalidBodyMessage(validation.errors);
    throw invalidInput(message, validation.errors);
  }

  const kv = await bucket();
  const key = recordKey(accountId, name);
  const existing = await getRecord<DashboardRecord>(kv, key);
  const record: DashboardRecord = { name, body, lastModified: Date.now(), size };
  const tags = existing ? existing.value.tags : input.Tags;
  if (tags?.length) record.tags = tags;
  await putRecord(kv, key, record);
  return { DashboardValidationMessages: validation.warnings };
}

export async function getDashboard(accountId: string, region: string, input: GetDashboardInput): Promise<GetDashboardOutput> {
  const name = input.DashboardName;
  if (!name) throw missingParameter("DashboardName");
  const rec = storable(name) ? await getRecord<DashboardRecord>(await bucket(), recordKey(accountId, name)) : undefined;
  if (!rec) throw notFound(`Dashboard ${name} does not exist`);
  return { DashboardArn: dashboardArn(accountId, region, name), DashboardBody: rec.value.body, DashboardName: name };
}

const decodeToken = (token: string) => decodeAfterToken(token, () => invalidParameterValue("The value for parameter NextToken is not valid."));

/** Names of the account's dashboards (keys only), sorted as ListDashboards returns them. */
export async function listDashboardNames(accountId: string): Promise<string[]> {
  const kv = await bucket();
  const names: string[] = [];
  const prefix = `${accountId}.`;
  for await (const key of await kv.keys(`${prefix}*`)) names.push(fromKeyToken(key.slice(prefix.length)));
  return names.sort(compareNames);
}

/** Plain code-point order: names are ASCII, so this is AWS's byte order too. */
const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function listDashboards(accountId: string, region: string, input: ListDashboardsInput): Promise<ListDashboardsOutput> {
  const prefix = input.DashboardNamePrefix ?? "";
  const after = input.NextToken ? decodeToken(input.NextToken) : undefined;
  const names = (await listDashboardNames(accountId)).filter(
    (n) => n.startsWith(prefix) && (after === undefined || compareNames(n, after) > 0),
  );
  const page = names.slice(0, LIST_PAGE_SIZE);
  const kv = await bucket();
  const records = await Promise.all(page.map((n) => getRecord<DashboardRecord>(kv, recordKey(accountId, n))));
  const entries: DashboardEntry[] = [];
  records.forEach((rec, i) => {
    if (!rec) return; // deleted since the key listing
    entries.push({
      DashboardName: page[i],
      DashboardArn: dashboardArn(accountId, region, page[i]),
      LastModified: new Date(rec.value.lastModified),
      Size: rec.value.size,
    });
  });
  const out: ListDashboardsOutput = { DashboardEntries: entries };
  if (names.length > page.length) out.NextToken = encodeAfterToken(page[page.length - 1]);
  return out;
}

export async function deleteDashboards(accountId: string, input: DeleteDashboardsInput): Promise<DeleteDashboardsOutput> {
  const requested = input.DashboardNames;
  if (!requested || requested.length === 0) throw missingParameter("DashboardNames");
  if (requested.length > DELETE_MAX) {
    throw invalidParameterValue(`The collection DashboardNames must not have a size greater than ${DELETE_MAX}.`);
  }
  const names = [...new Set(requested)];
  const kv = await bucket();
  const found = await Promise.all(names.map((n) => (storable(n) ? getRecord<DashboardRecord>(kv, recordKey(accountId, n)) : undefined)));
  // All or nothing: if any dashboard is missing, none is deleted.
  const missing = names.filter((_, i) => !found[i]);
  if (missing.length) throw notFound(`The specified dashboard does not exist. [${missing.join(", ")}]`);
  await Promise.all(names.map((n) => deleteRecord(kv, recordKey(accountId, n))));
  return {};
}
