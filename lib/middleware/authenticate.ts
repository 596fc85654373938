/**
 * middy middleware: verifies SigV4 against the configured credentials and
 * records the caller (account, region). Nothing else runs for a bad signature.
 */
import type { MiddlewareObj } from "@middy/core";
import { verifySigV4 } from "../auth/sigv4.js";
import { getConfig } from "../config/config.js";
import { CLOUDWATCH } from "../protocol/index.js";
import type { FrontEvent } from "../front/wire-state.js";

export function authenticate(): MiddlewareObj<FrontEvent> {
  return {
    name: "authenticate",
    before: (request) => {
      const wire = request.event.wire;
      const service = wire.answerAs.service ?? CLOUDWATCH;
      const credentials = getConfig().credentials;
      wire.caller = verifySigV4(
        { method: wire.method, path: wire.path, query: wire.query, headers: wire.headers, body: wire.rawBody },
        (key) => credentials.find((c) => c.accessKeyId === key),
        { style: service.queryCompatible ? "query" : "json", service: service.signingName },
      );
    },
  };
}
