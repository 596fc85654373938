/**
 * awsQuery: `Action=Op&Version=...&A.member.1.B=x` forms in, XML out.
 * The form reader is generic over the SDK schema (the one hand-written decoder
 * of the protocol layer); XML bodies come from the SDK's XmlShapeSerializer.
 */
import { XmlShapeSerializer } from "@aws-sdk/core/protocols";
import { doubleText, isDoubleMember } from "./doubles.js";
import type { NormalizedSchema } from "@smithy/core/schema";
import { ServiceError, invalidParameterValue } from "../errors.js";
import { joinPath } from "./input-reader.js";
import type { ServiceModel } from "./services.js";

/** A node of the dotted-key tree: `A.member.1.B=x` becomes A → member → 1 → B = x. */
interface FormNode {
  value?: string;
  children?: Map<string, FormNode>;
}

function formTree(params: URLSearchParams): FormNode {
  const root: FormNode = {};
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split(".")) {
      node.children ??= new Map();
      let next = node.children.get(part);
      if (!next) node.children.set(part, (next = {}));
      node = next;
    }
    node.value = value;
  }
  return root;
}

const invalid = (path: string, value: string) =>
  invalidParameterValue(`Value '${value}' for parameter ${path} is invalid.`);

function memberKey(schema: NormalizedSchema, fallback: string): string {
  return (schema.getMergedTraits().xmlName as string | undefined) ?? fallback;
}

function readScalar(schema: NormalizedSchema, raw: string, path: string): unknown {
  if (schema.isStringSchema()) return raw;
  if (schema.isBooleanSchema()) {
    if (raw === "true") return true;
    if (raw === "false") return false;
    throw invalid(path, raw);
  }
  if (schema.isNumericSchema() || schema.isBigDecimalSchema() || schema.isBigIntegerSchema()) {
    // The schema does not tell integers from doubles; handlers judge ranges and NaN.
    const n = raw === "NaN" ? NaN : raw === "Infinity" ? Infinity : raw === "-Infinity" ? -Infinity : Number(raw);
    if (raw.trim() === "" || (Number.isNaN(n) && raw !== "NaN")) throw invalid(path, raw);
    return n;
  }
  if (schema.isTimestampSchema()) {
    const d = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
    if (Number.isNaN(d.getTime())) throw invalid(path, raw);
    return d;
  }
  if (schema.isBlobSchema()) return Buffer.from(raw, "base64");
  return raw;
}

function readNode(schema: NormalizedSchema, node: FormNode, path: string): unknown {
  if (schema.isStructSchema()) {
    const out: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const child = node.children?.get(memberKey(member, name));
      if (child) {
        const v = readNode(member, child, joinPath(path, name));
        if (v !== undefined) out[name] = v;
      }
    }
    return out;
  }
  if (schema.isListSchema()) {
    const member = schema.getValueSchema();
    const flat = !!schema.getMergedTraits().xmlFlattened;
    const items = flat ? node.children : node.children?.get(memberKey(member, "member"))?.children;
    if (!items) return node.value !== undefined ? [] : undefined;
    return indexed(items, path).map(([i, child]) => readNode(member, child, `${path}.member.${i}`));
  }
  if (schema.isMapSchema()) {
    const flat = !!schema.getMergedTraits().xmlFlattened;
    const entries = flat ? node.children : node.children?.get("entry")?.children;
    const out: Record<string, unknown> = {};
    if (!entries) return node.value !== undefined ? out : undefined;
    const keyName = memberKey(schema.getKeySchema(), "key");
    const valueSchema = schema.getValueSchema();
    const valueName = memberKey(valueSchema, "value");
    for (const [i, entry] of indexed(entries, path)) {
      const k = entry.children?.get(keyName)?.value;
      const v = entry.children?.get(valueName);
      if (k === undefined) throw invalid(`${path}.entry.${i}.${keyName}`, "");
      out[k] = v ? readNode(valueSchema, v, `${path}.entry.${i}.${valueName}`) : undefined;
    }
    return out;
  }
  if (node.value === undefined) return undefined;
  return readScalar(schema, node.value, path);
}

/** Children named 1..N, in numeric order; anything else is a malformed key. */
function indexed(children: Map<string, FormNode>, path: string): Array<[number, FormNode]> {
  const out: Array<[number, FormNode]> = [];
  for (const [k, child] of children) {
    const i = Number(k);
    if (!/^[1-9]\d*$/.test(k)) throw invalid(`${path}.${k}`, child.value ?? "");
    out.push([i, child]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Decodes the operation's input from the form (Action and Version excluded). */
export function decodeQueryInput(input: NormalizedSchema, params: URLSearchParams): Record<string, unknown> {
  const tree = formTree(params);
  tree.children?.delete("Action");
  tree.children?.delete("Version");
  return (readNode(input, tree, "") ?? {}) as Record<string, unknown>;
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
export const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

/** `<OpResponse xmlns><OpResult>…</OpResult><ResponseMetadata>…` */
export function encodeQueryOutput(
  service: ServiceModel,
  operation: string,
  output: NormalizedSchema,
  value: unknown,
  requestId: string,
): string {
  let result = "";
  if (!output.isUnitSchema()) {
    const xml = new XmlShapeSerializer({ serviceNamespace: service.xmlNamespace!, timestampFormat: { useTrait: true, default: 5 } } as any);
    xml.write(output, doublesAsText(output, value ?? {}));
    const whole = String(xml.flush());
    // The serializer wraps members in the output shape's own element; awsQuery wants OpResult.
    const open = whole.indexOf(">");
    const inner = whole.endsWith("/>") && open === whole.length - 1 ? "" : whole.slice(open + 1, whole.lastIndexOf("</"));
    result = `<${operation}Result>${inner}</${operation}Result>`;
  }
  return (
    `<${operation}Response xmlns="${service.xmlNamespace}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

export function encodeQueryError(
  service: ServiceModel | undefined,
  error: ServiceError,
  code: string,
  requestId: string,
  shape?: NormalizedSchema,
): string {
  const ns = service?.xmlNamespace ?? "http://monitoring.amazonaws.com/doc/2010-08-01/";
  let extra = "";
  if (shape && Object.keys(error.fields).length) {
    // Members of the error shape beyond the message, e.g. DashboardValidationMessages.
    const xml = new XmlShapeSerializer({ serviceNamespace: ns, timestampFormat: { useTrait: true, default: 5 } } as any);
    xml.write(shape, error.fields);
    const whole = String(xml.flush());
    extra = whole.endsWith("/>") ? "" : whole.slice(whole.indexOf(">") + 1, whole.lastIndexOf("</"));
  }
  return (
    `<ErrorResponse xmlns="${ns}"><Error><Type>${error.faultType}</Type>` +
    `<Code>${escapeXml(code)}</Code>${error.message ? `<Message>${escapeXml(error.message)}</Message>` : ""}${extra}</Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/**
 * A copy of an output whose double members hold their text as AWS writes it
 * ("41.0": localstack's test_basic_operations_multiple_protocols, recorded
 * against AWS); the XML serializer writes a string in a number's place as it is.
 */
function doublesAsText(schema: NormalizedSchema, value: unknown): unknown {
  if (value === null || typeof value !== "object" || value instanceof Date || value instanceof Uint8Array) return value;
  if (schema.isListSchema()) return (value as unknown[]).map((v) => doublesAsText(schema.getValueSchema(), v));
  if (schema.isMapSchema()) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = doublesAsText(schema.getValueSchema(), v);
    return out;
  }
  if (!schema.isStructSchema()) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, member] of schema.structIterator()) {
    const v = out[name];
    if (v === undefined || v === null) continue;
    out[name] = isDoubleMember(schema, name) ? doubleTexts(v) : doublesAsText(member, v);
  }
  return out;
}

const doubleTexts = (v: unknown): unknown =>
  typeof v === "number"
    ? doubleText(v)
    : Array.isArray(v)
      ? v.map(doubleTexts)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, doubleTexts(x)]))
        : v;
