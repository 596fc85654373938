/**
 * What the front function learns about a request as its middlewares run:
 * its bytes, protocol, operation and caller. Carried on the event.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { Caller } from "../auth/sigv4.js";
import type { AnswerAs, Identified } from "../protocol/index.js";

export interface WireState {
  requestId: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  /** The body as received: what SigV4 hashes. */
  rawBody: Buffer;
  /** The body after Content-Encoding is undone. */
  body: Buffer;
  /** How to answer, known even before the request is fully identified. */
  answerAs: AnswerAs;
  identified?: Identified;
  caller?: Caller;
  /**
   * An answer that is a bare body rather than the encoded output: GetMetricWidgetImage
   * with OutputFormat image/png answers the PNG itself (API reference, OutputFormat).
   */
  rawAnswer?: { contentType: string; body: Buffer };
}

export type FrontEvent = APIGatewayProxyEventV2 & { wire: WireState };
