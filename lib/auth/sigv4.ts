/**
 * Server-side AWS Signature Version 4 verification, for both the
 * `Authorization` header form and the presigned query-string form.
 *
 * The canonical request is rebuilt from the request exactly as received on the
 * wire (raw path, raw query, raw body bytes), following AWS's "Create a signed
 * AWS API request": canonical request → string to sign → derived signing key →
 * HMAC-SHA256, compared in constant time.
 *
 * Every failure is a ServiceError carrying the AWS error code of the caller's
 * protocol family ("query" for awsQuery, "json" for awsJson / rpcv2Cbor).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ServiceError, protocolError } from "../errors.js";
import type { Credential } from "../config/config.js";

export interface IncomingSignedRequest {
  /** "POST", "GET", ... */
  method: string;
  /** Raw path as received on the wire, without the query string. */
  path: string;
  /** Raw query string as received, without "?"; may be "". */
  query: string;
  /** Header names lower-cased; multiple values already joined with ",". */
  headers: Record<string, string>;
  /** Raw body bytes exactly as received (still compressed if it was). */
  body: Buffer;
}

export interface Caller {
  accountId: string;
  accessKeyId: string;
  region: string;
  service: string;
  /** SHA-256 (hex) of the body as received, computed for the signature anyway. */
  bodySha256?: string;
}

/** Which family of AWS error codes to use. */
export type ErrorStyle = "query" | "json";

export interface VerifyOptions {
  style: ErrorStyle;
  /** Expected signing service of the credential scope, e.g. "monitoring" or "logs". */
  service?: string;
  /** Clock used for the skew / expiry checks (defaults to the current time). */
  now?: Date;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const TERMINATOR = "aws4_request";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_EXPIRES = 604800;
/** Cap on user-provided text echoed back in error messages. */
const ECHO_LIMIT = 512;

// ---------------------------------------------------------------------------
// Errors

/**
 * Each failure's code and HTTP status per error family. awsQuery services
 * (CloudWatch, whatever protocol it is spoken in) answer 403 but for a
 * malformed signature (AWS's Common Errors pages; CloudWatch's raw
 * SignatureDoesNotMatch 403 in grafana/grafana#46365); awsJson services such as
 * Logs answer every one with 400: raw AWS answers in vectordotdev/vector#16629
 * (InvalidSignatureException) and maxbanton/cwh#119 (UnrecognizedClientException).
 */
const CODES = {
  missing: { query: "MissingAuthenticationToken", queryStatus: 403, json: "MissingAuthenticationTokenException", jsonStatus: 400 },
  incomplete: { query: "IncompleteSignature", queryStatus: 400, json: "IncompleteSignatureException", jsonStatus: 400 },
  unknownKey: { query: "InvalidClientTokenId", queryStatus: 403, json: "UnrecognizedClientException", jsonStatus: 400 },
  mismatch: { query: "SignatureDoesNotMatch", queryStatus: 403, json: "InvalidSignatureException", jsonStatus: 400 },
} as const;

type ErrorKind = keyof typeof CODES;

const MISMATCH_MESSAGE =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

function fail(style: ErrorStyle, kind: ErrorKind, message: string): ServiceError {
  const c = CODES[kind];
  return style === "json" ? protocolError(c.json, message, c.jsonStatus) : protocolError(c.query, message, c.queryStatus);
}

const echo = (s: string): string => (s.length > ECHO_LIMIT ? `${s.slice(0, ECHO_LIMIT)}...` : s);

// ---------------------------------------------------------------------------
// Encoding helpers

const HEX = "0123456789ABCDEF";

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e // - . _ ~
  );
}

/** RFC 3986 strict encoding of bytes: only unreserved characters stay literal. */
function encodeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** Strictly encodes the UTF-8 bytes of a string (no decoding first). */
const encodeString = (s: string): string => encodeBytes(Buffer.from(s, "utf8"));

/**
 * Percent-decodes a raw query component into bytes. Malformed escapes ("%zz",
 * a trailing "%") are kept literally; non-ASCII characters become their UTF-8
 * bytes. With `plusAsSpace`, "+" decodes to a space (form encoding).
 */
function percentDecode(s: string, plusAsSpace: boolean): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (c === 0x2b && plusAsSpace) {
      out.push(0x20);
      i += 1;
    } else if (c < 0x80) {
      out.push(c);
      i += 1;
    } else {
      const ch = String.fromCodePoint(s.codePointAt(i) ?? c);
      for (const b of Buffer.from(ch, "utf8")) out.push(b);
      i += ch.length;
    }
  }
  return Buffer.from(out);
}

const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

// ---------------------------------------------------------------------------
// Canonical request pieces

/**
 * Canonical URI for non-S3 services: the raw path with redundant segments
 * removed ("//", ".", ".." as the AWS signers do) and each segment URI-encoded
 * once more, so an on-the-wire "%2F" becomes "%252F".
 */
function canonicalUri(rawPath: string): string {
  const path = rawPath === "" ? "/" : rawPath;
  const segments: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(seg);
  }
  const lead = path.startsWith("/") ? "/" : "";
  const trail = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return lead + segments.map(encodeString).join("/") + trail || "/";
}

interface QueryParam {
  rawKey: string;
  rawValue: string;
}

function splitQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  if (!query) return params;
  for (const piece of query.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    params.push(eq < 0 ? { rawKey: piece, rawValue: "" } : { rawKey: piece.slice(0, eq), rawValue: piece.slice(eq + 1) });
  }
  return params;
}

/**
 * Canonical query: each key and value decoded then re-encoded strictly,
 * sorted by encoded key then encoded value (byte order).
 */
function canonicalQuery(query: string, opts: { excludeSignature?: boolean; plusAsSpace?: boolean } = {}): string {
  const pairs: [string, string][] = [];
  for (const { rawKey, rawValue } of splitQuery(query)) {
    const keyBytes = percentDecode(rawKey, opts.plusAsSpace ?? false);
    if (opts.excludeSignature && keyBytes.toString("utf8") === "X-Amz-Signature") continue;
    pairs.push([encodeBytes(keyBytes), encodeBytes(percentDecode(rawValue, opts.plusAsSpace ?? false))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** Header value canonicalisation: trim, collapse inner whitespace runs to one space. */
const canonicalHeaderValue = (v: string): string => v.replace(/\s+/g, " ").trim();

// ---------------------------------------------------------------------------
// Dates

const BASIC_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Date → "YYYYMMDDTHHMMSSZ". */
function amzDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** Parses ISO-8601 basic format strictly; undefined if malformed or not a real instant. */
function parseBasicDate(s: string): Date | undefined {
  const m = BASIC_DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const date = new Date(t);
  if (Number.isNaN(t) || amzDate(date) !== s) return undefined;
  return date;
}

/** A `Date` header (RFC 1123 usually; ISO basic tolerated). */
function parseHttpDate(s: string): Date | undefined {
  const basic = parseBasicDate(s.trim());
  if (basic) return basic;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return new Date(Math.floor(t / 1000) * 1000);
}

// ---------------------------------------------------------------------------
// Parsing

interface ParsedAuth {
  presigned: boolean;
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  scope: string;
  signedHeaders: string;
  signature: string;
  /** The request's signing time, as it appears in the string to sign. */
  longDate: string;
  date: Date;
  /** Presigned validity in seconds, if X-Amz-Expires was given. */
  expires?: number;
}

function header(req: IncomingSignedRequest, name: string): string | undefined {
  const h = req.headers as Record<string, unknown> | undefined;
  if (!h || typeof h !== "object") return undefined;
  const v = Object.prototype.hasOwnProperty.call(h, name) ? h[name] : undefined;
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(String).join(",");
  return undefined;
}

/** First value of each decoded query parameter name. */
function queryParams(query: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const { rawKey, rawValue } of splitQuery(query)) {
    const k = percentDecode(rawKey, false).toString("utf8");
    if (!m.has(k)) m.set(k, percentDecode(rawValue, false).toString("utf8"));
  }
  return m;
}

function parseRequest(req: IncomingSignedRequest, style: ErrorStyle): ParsedAuth {
  const incomplete = (msg: string) => fail(style, "incomplete", msg);
  const query = typeof req.query === "string" ? req.query : "";
  const params = queryParams(query);
  const authorization = header(req, "authorization");

  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  let rawDate: string | undefined;
  let dateIsHttpDate = false;
  let expires: number | undefined;
  let presigned = false;

  if (authorization !== undefined && authorization.trim() !== "") {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(authorization);
    const algorithm = m?.[1] ?? "";
    if (algorithm !== ALGORITHM) {
      throw incomplete(
        `Unsupported AWS 'algorithm': '${echo(algorithm)}'. The Authorization header must use '${ALGORITHM}'. ` +
          `Authorization=${echo(authorization)}`,
      );
    }
    const fields = new Map<string, string>();
    for (const part of (m?.[2] ?? "").split(",")) {
      const eq = part.indexOf("=");
      if (eq < 0) continue;
      const k = part.slice(0, eq).trim();
      if (!fields.has(k)) fields.set(k, part.slice(eq + 1).trim());
    }
    credential = fields.get("Credential") || undefined;
    signature = fields.get("Signature") || undefined;
    signedHeaders = fields.get("SignedHeaders") || undefined;
    rawDate = header(req, "x-amz-date");
    if (rawDate === undefined) {
      rawDate = header(req, "date");
      dateIsHttpDate = rawDate !== undefined;
    }
    let missing = "";
    if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
    if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
    if (!signedHeaders) missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (rawDate === undefined || rawDate.trim() === "") {
      missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (missing) throw incomplete(`${missing}Authorization=${echo(authorization)}`);
  } else if (params.has("X-Amz-Signature")) {
    presigned = true;
    const algorithm = params.get("X-Amz-Algorithm");
    credential = params.get("X-Amz-Credential") || undefined;
    signature = params.get("X-Amz-Signature") || undefined;
    signedHeaders = params.get("X-Amz-SignedHeaders") || undefined;
    rawDate = params.get("X-Amz-Date") || header(req, "x-amz-date");
    if (rawDate === undefined) {
      rawDate = header(req, "date");
      dateIsHttpDate = rawDate !== undefined;
    }
    const rawExpires = params.get("X-Amz-Expires");
    let missing = "";
    if (!algorithm) missing += "AWS query-string parameters must include 'X-Amz-Algorithm'. ";
    if (!credential) missing += "AWS query-string parameters must include 'X-Amz-Credential'. ";
    if (!signature) missing += "AWS query-string parameters must include 'X-Amz-Signature'. ";
    if (!signedHeaders) missing += "AWS query-string parameters must include 'X-Amz-SignedHeaders'. ";
    if (rawDate === undefined || rawDate.trim() === "") {
      missing += "AWS query-string parameters must include 'X-Amz-Date'. ";
    }
    if (missing) throw incomplete(`${missing}Re-examine the query-string parameters.`);
    if (algorithm !== ALGORITHM) {
      throw incomplete(`Unsupported AWS 'algorithm': '${echo(algorithm ?? "")}'. X-Amz-Algorithm must be '${ALGORITHM}'.`);
    }
    if (rawExpires !== undefined) {
      if (!/^\d{1,15}$/.test(rawExpires)) {
        throw incomplete(`X-Amz-Expires should be a number, not '${echo(rawExpires)}'.`);
      }
      expires = Number(rawExpires);
      if (expires > MAX_PRESIGNED_EXPIRES) {
        throw incomplete(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES}`);
      }
    }
  } else {
    throw fail(style, "missing", "Request is missing Authentication Token");
  }

  // Narrowed by the checks above.
  const cred = credential as string;
  const sig = signature as string;
  const signed = signedHeaders as string;
  const dateText = (rawDate as string).trim();

  // Request date.
  let date: Date | undefined;
  if (dateIsHttpDate) {
    date = parseHttpDate(dateText);
    if (!date) throw incomplete(`Date must be in RFC 1123 or ISO-8601 'basic format'. Got '${echo(dateText)}'.`);
  } else {
    date = parseBasicDate(dateText);
    if (!date) {
      throw incomplete(
        `Date must be in ISO-8601 'basic format'. Got '${echo(dateText)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
  }
  const longDate = amzDate(date);

  // Credential scope: AKID/YYYYMMDD/region/service/aws4_request.
  const parts = cred.split("/");
  if (parts.length !== 5) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${echo(cred)}'`,
    );
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  if (terminator !== TERMINATOR) {
    throw incomplete(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${echo(terminator)}'. `);
  }
  if (accessKeyId === "") throw incomplete("Credential must include an access key id. ");
  if (region === "") throw incomplete("Credential should be scoped to a valid region, not ''. ");
  if (service === "") throw incomplete("Credential should be scoped to a valid service, not ''. ");
  if (!/^\d{8}$/.test(scopeDate)) {
    throw incomplete(`Credential should be scoped to a valid date in YYYYMMDD format, not '${echo(scopeDate)}'. `);
  }

  // SignedHeaders must cover the host.
  const names = signed.split(";").map((n) => n.trim().toLowerCase());
  if (!names.includes("host")) {
    throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  return {
    presigned,
    accessKeyId,
    scopeDate,
    region,
    service,
    scope: `${scopeDate}/${region}/${service}/${terminator}`,
    signedHeaders: signed,
    signature: sig,
    longDate,
    date,
    expires,
  };
}

// ---------------------------------------------------------------------------
// Verification

function checkTime(p: ParsedAuth, now: Date, style: ErrorStyle): void {
  const nowMs = Math.floor(now.getTime() / 1000) * 1000;
  const t = p.date.getTime();
  const nowText = amzDate(new Date(nowMs));
  if (t > nowMs + MAX_SKEW_MS) {
    throw fail(
      style,
      "mismatch",
      `Signature not yet current: ${p.longDate} is still later than ${amzDate(new Date(nowMs + MAX_SKEW_MS))} (${nowText} + 15 min.)`,
    );
  }
  if (p.presigned && p.expires !== undefined) {
    if (nowMs > t + p.expires * 1000) throw fail(style, "mismatch", "Request has expired");
    return;
  }
  if (t < nowMs - MAX_SKEW_MS) {
    throw fail(
      style,
      "mismatch",
      `Signature expired: ${p.longDate} is now earlier than ${amzDate(new Date(nowMs - MAX_SKEW_MS))} (${nowText} - 15 min.)`,
    );
  }
}

// Derived keys change once a day per credential, region and service (the
// AWS SDKs cache them the same way); bounded, cleared whole when full.
const SIGNING_KEYS = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 256;

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  let key = SIGNING_KEYS.get(id);
  if (key === undefined) {
    const kDate = hmac(`AWS4${secret}`, date);
    const kRegion = hmac(kDate, region);
    const kService = hmac(kRegion, service);
    key = hmac(kService, TERMINATOR);
    if (SIGNING_KEYS.size >= MAX_SIGNING_KEYS) SIGNING_KEYS.clear();
    SIGNING_KEYS.set(id, key);
  }
  return key;
}

/** Returns the SHA-256 (hex) of the body it checked the signature against. */
function verifySignature(req: IncomingSignedRequest, p: ParsedAuth, cred: Credential, style: ErrorStyle): string {
  const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const bodyHash = sha256Hex(body);

  // Payload hash candidates.
  const declared = header(req, "x-amz-content-sha256");
  let payloadHashes: string[];
  if (declared !== undefined) {
    const v = declared.trim();
    if (v === UNSIGNED_PAYLOAD) payloadHashes = [UNSIGNED_PAYLOAD];
    else if (v.toLowerCase() === bodyHash) payloadHashes = [v];
    else throw fail(style, "mismatch", MISMATCH_MESSAGE);
  } else if (p.presigned) {
    // Presigned URLs for S3 use UNSIGNED-PAYLOAD; the SDK signers for other
    // services hash the (usually empty) body. Accept either.
    payloadHashes = [UNSIGNED_PAYLOAD, bodyHash];
  } else {
    payloadHashes = [bodyHash];
  }

  // Canonical query candidates: "+" as a literal plus (RFC 3986), and, if the
  // query has one, "+" as a space (form encoding, as some clients sign it).
  const query = typeof req.query === "string" ? req.query : "";
  const queries = [canonicalQuery(query, { excludeSignature: p.presigned })];
  if (query.includes("+")) {
    const alt = canonicalQuery(query, { excludeSignature: p.presigned, plusAsSpace: true });
    if (alt !== queries[0]) queries.push(alt);
  }

  const method = typeof req.method === "string" ? req.method : "";
  const uri = canonicalUri(typeof req.path === "string" ? req.path : "/");
  let canonicalHeaders = "";
  for (const name of p.signedHeaders.split(";")) {
    canonicalHeaders += `${name}:${canonicalHeaderValue(header(req, name.trim().toLowerCase()) ?? "")}\n`;
  }

  const key = signingKey(cred.secretAccessKey, p.scopeDate, p.region, p.service);
  const provided = Buffer.from(p.signature.toLowerCase(), "utf8");
  let ok = false;
  for (const q of queries) {
    for (const payloadHash of payloadHashes) {
      const canonicalRequest = [method, uri, q, canonicalHeaders, p.signedHeaders, payloadHash].join("\n");
      const stringToSign = [ALGORITHM, p.longDate, p.scope, sha256Hex(canonicalRequest)].join("\n");
      const expected = Buffer.from(createHmac("sha256", key).update(stringToSign, "utf8").digest("hex"), "utf8");
      if (expected.length === provided.length && timingSafeEqual(expected, provided)) ok = true;
    }
  }
  if (!ok) throw fail(style, "mismatch", MISMATCH_MESSAGE);
  return bodyHash;
}

/** Runs `fn`, turning anything that is not a ServiceError into a signature failure. */
function guarded<T>(style: ErrorStyle, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    throw fail(style, "incomplete", "The request signature is malformed.");
  }
}

/**
 * Verifies a SigV4-signed request and returns the authenticated caller.
 * Throws a ServiceError (MissingAuthenticationToken, IncompleteSignature,
 * InvalidClientTokenId, SignatureDoesNotMatch, or their awsJson equivalents).
 * Exceptions thrown by `findCredential` itself propagate unchanged.
 */
export function verifySigV4(
  req: IncomingSignedRequest,
  findCredential: (accessKeyId: string) => Credential | undefined,
  opts: VerifyOptions,
): Caller {
  const style: ErrorStyle = opts?.style === "json" ? "json" : "query";
  const parsed = guarded(style, () => {
    const p = parseRequest(req, style);
    if (p.scopeDate !== p.longDate.slice(0, 8)) {
      throw fail(
        style,
        "mismatch",
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
          `'${p.scopeDate}' != '${p.longDate.slice(0, 8)}', from '${p.longDate}'.`,
      );
    }
    if (opts.service !== undefined && p.service !== opts.service) {
      throw fail(style, "mismatch", `Credential should be scoped to correct service: '${opts.service}'. `);
    }
    return p;
  });

  const cred = findCredential(parsed.accessKeyId);
  if (!cred) throw fail(style, "unknownKey", "The security token included in the request is invalid.");

  const bodySha256 = guarded(style, () => {
    checkTime(parsed, opts.now ?? new Date(), style);
    return verifySignature(req, parsed, cred, style);
  });

  return { accountId: cred.accountId, accessKeyId: parsed.accessKeyId, region: parsed.region, service: parsed.service, bodySha256 };
}
