/**
 * middy middleware: encodes the operation's output, or any error, in the
 * protocol the request came in. The only place a response is built, so no
 * request ends without one.
 */
import type { MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { internalFailure, isServiceError } from "../errors.js";
import { encodeError, encodeOutput, operationModel, REQUEST_ID_HEADER, type WireResponse } from "../protocol/index.js";
import type { FrontEvent } from "../front/wire-state.js";

const toResult = (r: WireResponse): APIGatewayProxyStructuredResultV2 => ({
  statusCode: r.statusCode,
  headers: r.headers,
  body: typeof r.body === "string" ? r.body : r.body.toString("base64"),
  isBase64Encoded: typeof r.body !== "string",
});

export function writeResponse(): MiddlewareObj<FrontEvent> {
  return {
    name: "writeResponse",
    after: (request) => {
      const { wire } = request.event;
      const id = wire.identified!;
      if (wire.rawAnswer) {
        const { contentType, body } = wire.rawAnswer;
        const headers = { "content-type": contentType, [REQUEST_ID_HEADER]: wire.requestId };
        request.response = { statusCode: 200, headers, body: body.toString("base64"), isBase64Encoded: true };
        return;
      }
      request.response = toResult(encodeOutput(id, operationModel(id), request.response, wire.requestId));
    },
    onError: (request) => {
      const err = request.error;
      if (!isServiceError(err)) console.error("front: unhandled error", err);
      const wire = request.event.wire;
      const answerAs = wire?.identified ?? wire?.answerAs ?? { protocol: "json" as const };
      request.response = toResult(
        encodeError(answerAs, isServiceError(err) ? err : internalFailure(), wire?.requestId ?? crypto.randomUUID()),
      );
    },
  };
}
