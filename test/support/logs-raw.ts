/**
 * A CloudWatch Logs awsJson1_1 request signed with account 0's key and sent
 * with the body exactly as given: for answers the SDK would not let a test
 * ask (unknown operations, hand-written bodies as log shippers send them).
 */
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "./sha256.js";
import type { Stack } from "./stack.js";

/** POSTs `body` with X-Amz-Target `Logs_20140328.<op>` (and any `headers`), signed for us-east-1; the raw response. */
export async function signedLogsRequest(stack: Stack, op: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  const url = new URL(stack.endpoint);
  const all: Record<string, string> = { "content-type": "application/x-amz-json-1.1", "x-amz-target": `Logs_20140328.${op}`, ...headers };
  const signer = new SignatureV4({
    credentials: { accessKeyId: stack.credentials[0].accessKeyId, secretAccessKey: stack.credentials[0].secretAccessKey },
    region: "us-east-1",
    service: "logs",
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({ method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/", headers: { ...all, host: url.host }, body }),
  );
  const sent: Record<string, string> = { ...all, ...signed.headers };
  delete sent.host;
  return fetch(new URL("/", url), { method: "POST", headers: sent, body });
}
