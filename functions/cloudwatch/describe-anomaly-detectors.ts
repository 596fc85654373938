import type { DescribeAnomalyDetectorsInput, DescribeAnomalyDetectorsOutput } from "@aws-sdk/client-cloudwatch";
import { describeAnomalyDetectors } from "../../lib/anomaly-detectors/detectors.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DescribeAnomalyDetectorsInput, DescribeAnomalyDetectorsOutput>((input, { accountId, region }) =>
  describeAnomalyDetectors(accountId, region, input),
);
