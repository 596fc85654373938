/**
 * sts:GetCallerIdentity at the service's endpoint: tools ask who they are
 * before anything else (the Terraform provider at init, `aws sts
 * get-caller-identity`, presigned-URL identity checks), so the awsQuery STS
 * call is answered for the signed caller, and every other STS operation
 * answers NotImplemented.
 *
 * The answer's shape is AWS's documented one (STS API reference,
 * GetCallerIdentity, "Example": `<GetCallerIdentityResponse
 * xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
 * <Arn/><UserId/><Account/>…<ResponseMetadata><RequestId/>`); for an account's
 * own keys the Arn and UserId are the root forms the Spinifex gateway writes
 * (spinifex/gateway/sts.go: arn:aws:iam::{account}:root, UserId = account id).
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { ListDashboardsCommand } from "@aws-sdk/client-cloudwatch";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, cloudWatchClient, startStack, type Account, type Stack } from "../support/stack.js";
import { Sha256 } from "../support/sha256.js";
import { awsFailure as failure } from "../support/failure.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function stsClient(account: Account = 0, secret?: string): STSClient {
  const cred = stack.credentials[account];
  return new STSClient({
    endpoint: stack.endpoint,
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: secret ?? cred.secretAccessKey },
  });
}

const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

/** A form POST (or, presigned, a GET with the form in the query) signed as the SDKs sign it. */
async function signedForm(form: string, opts: { service?: string; presign?: boolean } = {}): Promise<{ status: number; type: string; body: any; text: string }> {
  const url = new URL(stack.endpoint);
  const cred = stack.credentials[0];
  const signer = new SignatureV4({
    credentials: { accessKeyId: cred.accessKeyId, secretAccessKey: cred.secretAccessKey },
    region: "us-east-1",
    service: opts.service ?? "sts",
    sha256: Sha256,
  });
  const base = { protocol: "http:", hostname: url.hostname, port: Number(url.port), path: "/" };
  let res: Response;
  if (opts.presign) {
    const query = Object.fromEntries(new URLSearchParams(form));
    const signed = await signer.presign(new HttpRequest({ ...base, method: "GET", query, headers: { host: url.host } }), { expiresIn: 60 });
    const qs = new URLSearchParams(signed.query as Record<string, string>).toString().replace(/\+/g, "%20");
    res = await fetch(`${stack.endpoint}/?${qs}`);
  } else {
    const headers = { "content-type": "application/x-www-form-urlencoded; charset=utf-8", host: url.host };
    const signed = await signer.sign(new HttpRequest({ ...base, method: "POST", headers, body: form }));
    const sent = { ...signed.headers };
    delete sent.host;
    res = await fetch(`${stack.endpoint}/`, { method: "POST", headers: sent, body: form });
  }
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: xml.parse(text), text };
}

describe("sts:GetCallerIdentity", () => {
  it.each([
    [0, "000000000000"],
    [1, "111111111111"],
  ] as const)("the JS SDK (awsQuery) learns the account of the key it signed with: account %i is %s, as its root", async (account, id) => {
    const out = await stsClient(account).send(new GetCallerIdentityCommand({}));
    expect({ UserId: out.UserId, Account: out.Account, Arn: out.Arn }).toEqual({ UserId: id, Account: id, Arn: `arn:aws:iam::${id}:root` });
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([0, 1] as const)("Debian's aws CLI `sts get-caller-identity --endpoint-url` answers account %i", async (account) => {
    const id = stack.credentials[account].accountId;
    const r = await awsCli(stack, ["sts", "get-caller-identity"], { account });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ UserId: id, Account: id, Arn: `arn:aws:iam::${id}:root` });
  });

  it("the XML answer is AWS's documented one: GetCallerIdentityResult in the 2011-06-15 namespace, then the request id", async () => {
    const r = await signedForm("Action=GetCallerIdentity&Version=2011-06-15");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/xml/);
    const answer = r.body.GetCallerIdentityResponse;
    expect(answer["@_xmlns"]).toBe("https://sts.amazonaws.com/doc/2011-06-15/");
    expect(answer.GetCallerIdentityResult).toEqual({ Arn: "arn:aws:iam::000000000000:root", UserId: "000000000000", Account: "000000000000" });
    expect(answer.ResponseMetadata.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a presigned GET (the form in the query, signed for sts) is answered too, as identity brokers send it", async () => {
    const r = await signedForm("Action=GetCallerIdentity&Version=2011-06-15", { presign: true });
    expect(r.status).toBe(200);
    expect(r.body.GetCallerIdentityResponse.GetCallerIdentityResult.Account).toBe("000000000000");
  });

  it("a form signed for sts is STS's even without a Version; one with STS's Version signed for CloudWatch is refused", async () => {
    const noVersion = await signedForm("Action=GetCallerIdentity");
    expect(noVersion.body.GetCallerIdentityResponse.GetCallerIdentityResult.Account).toBe("000000000000");
    const wrongScope = await signedForm("Action=GetCallerIdentity&Version=2011-06-15", { service: "monitoring" });
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.body.ErrorResponse.Error.Code).toBe("SignatureDoesNotMatch");
    expect(wrongScope.text).toContain("<Message>Credential should be scoped to correct service: &apos;sts&apos;. </Message>");
  });

  it("a bad signature is refused with SignatureDoesNotMatch 403, an unknown key with InvalidClientTokenId 403", async () => {
    const bad = await failure(stsClient(0, "not-the-secret").send(new GetCallerIdentityCommand({})));
    expect([bad.name, bad.status]).toEqual(["SignatureDoesNotMatch", 403]);
    const unknown = await failure(
      new STSClient({
        endpoint: stack.endpoint,
        region: "us-east-1",
        maxAttempts: 1,
        credentials: { accessKeyId: "AKIDNOBODY", secretAccessKey: "x" },
      }).send(new GetCallerIdentityCommand({})),
    );
    expect([unknown.name, unknown.status]).toEqual(["InvalidClientTokenId", 403]);
    const cli = await awsCli(stack, ["sts", "get-caller-identity"], { account: 0 });
    expect(cli.code).toBe(0); // the good key still works after the refusals
  });

  it("the CLI with a bad secret fails with SignatureDoesNotMatch", async () => {
    const saved = stack.credentials[1].secretAccessKey;
    stack.credentials[1] = { ...stack.credentials[1], secretAccessKey: "wrong" };
    try {
      const r = await awsCli(stack, ["sts", "get-caller-identity"], { account: 1 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/SignatureDoesNotMatch/);
    } finally {
      stack.credentials[1] = { ...stack.credentials[1], secretAccessKey: saved };
    }
  });

  it("every other STS operation answers NotImplemented 501", async () => {
    const e = await failure(stsClient().send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/r", RoleSessionName: "s" })));
    expect([e.name, e.status]).toEqual(["NotImplemented", 501]);
    expect(e.message).toBe("The operation AssumeRole is not implemented by this service yet.");
  });

  it("an unknown STS action is InvalidAction, in STS's namespace", async () => {
    const r = await signedForm("Action=Nope&Version=2011-06-15");
    expect(r.status).toBe(400);
    expect(r.body.ErrorResponse["@_xmlns"]).toBe("https://sts.amazonaws.com/doc/2011-06-15/");
    expect(r.body.ErrorResponse.Error.Code).toBe("InvalidAction");
  });

  it("CloudWatch's awsQuery forms on the same endpoint are still CloudWatch's", async () => {
    const out = await cloudWatchClient(stack, { protocol: "query" }).send(new ListDashboardsCommand({}));
    expect(out.DashboardEntries).toEqual([]);
  });
});
