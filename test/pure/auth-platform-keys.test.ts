/**
 * Opening the platform IAM's sealed secrets (bluebottle pkg/masterkey:
 * base64(nonce(12) ‖ AES-256-GCM ciphertext ‖ tag(16)), no AAD) and finding
 * the key a request presents.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, presentedKeyId } from "../../lib/auth/platform-keys.js";

const KEY = randomBytes(32);
function seal(plaintext: string, key = KEY): string {
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  return Buffer.concat([nonce, c.update(plaintext, "utf8"), c.final(), c.getAuthTag()]).toString("base64");
}

describe("decryptSecret", () => {
  it("opens what EncryptBase64 sealed", () => {
    expect(decryptSecret(seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), KEY)).toBe("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  });

  it.each([
    ["another master key", () => seal("s", randomBytes(32))],
    ["a flipped ciphertext byte", () => {
      const b = Buffer.from(seal("secret"), "base64");
      b[13]! ^= 1;
      return b.toString("base64");
    }],
    ["data shorter than nonce and tag", () => Buffer.alloc(20).toString("base64")],
  ])("refuses %s", (_, sealed) => {
    expect(() => decryptSecret(sealed(), KEY)).toThrow();
  });
});

describe("presentedKeyId", () => {
  const req = (headers: Record<string, string>, query = "") => ({ method: "POST", path: "/", query, headers, body: Buffer.alloc(0) });
  it.each([
    [req({ authorization: "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00" }), "AKIAEXAMPLE"],
    [req({}, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20260101%2Fus-east-1%2Flogs%2Faws4_request&X-Amz-Signature=00"), "ASIAEXAMPLE"],
    [req({}), undefined],
    [req({}, "X-Amz-Credential=%E0%A4%A"), undefined],
  ])("%#: finds %s", (r, id) => {
    expect(presentedKeyId(r)).toBe(id);
  });
});
