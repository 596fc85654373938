import type { GetMetricWidgetImageInput, GetMetricWidgetImageOutput } from "@aws-sdk/client-cloudwatch";
import { getMetricWidgetImage } from "../../lib/widget-image/get-metric-widget-image.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetMetricWidgetImageInput, GetMetricWidgetImageOutput>((input, { accountId, region }) =>
  getMetricWidgetImage(accountId, region, input),
);
