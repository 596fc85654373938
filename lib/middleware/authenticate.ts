/**
 * middy middleware: verifies SigV4 against the configured credentials (and,
 * with `[cloudwatch.iam]` on, the platform IAM's keys) and records the
 * caller (account, region). Nothing else runs for a bad signature.
 */
import type { MiddlewareObj } from "@middy/core";
import { platformKeys, presentedKeyId } from "../auth/platform-keys.js";
import { verifySigV4 } from "../auth/sigv4.js";
import { getConfig } from "../config/config.js";
import { CLOUDWATCH } from "../protocol/index.js";
import type { FrontEvent } from "../front/wire-state.js";

export function authenticate(): MiddlewareObj<FrontEvent> {
  return {
    name: "authenticate",
    before: async (request) => {
      const wire = request.event.wire;
      const service = wire.answerAs.service ?? CLOUDWATCH;
      const style = service.queryCompatible ? "query" : "json";
      const credentials = getConfig().credentials;
      const signed = { method: wire.method, path: wire.path, query: wire.query, headers: wire.headers, body: wire.rawBody };
      const platform = platformKeys();
      const inTable = (key: string | undefined) => credentials.some((c) => c.accessKeyId === key);
      const fromPlatform = platform && !inTable(presentedKeyId(signed)) ? await platform.credentialFor(signed, style) : undefined;
      wire.caller = verifySigV4(
        signed,
        (key) => credentials.find((c) => c.accessKeyId === key) ?? (fromPlatform?.accessKeyId === key ? fromPlatform : undefined),
        { style, service: service.signingName },
      );
      if (fromPlatform && wire.caller.accessKeyId === fromPlatform.accessKeyId) await platform!.checkAccount(fromPlatform.accountId, style);
    },
  };
}
