/**
 * The front (router) function: every HTTP request lands here.
 * readRequest → authenticate → route → writeResponse.
 */
import middy from "@middy/core";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { authenticate } from "../lib/middleware/authenticate.js";
import { readRequest } from "../lib/middleware/read-request.js";
import { route } from "../lib/front/route.js";
import { writeResponse } from "../lib/middleware/write-response.js";
import type { FrontEvent } from "../lib/front/wire-state.js";

export const handler = middy<FrontEvent, APIGatewayProxyStructuredResultV2>()
  .use(writeResponse())
  .use(readRequest())
  .use(authenticate())
  .handler(route as any);
