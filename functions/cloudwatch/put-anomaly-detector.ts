import type { PutAnomalyDetectorInput, PutAnomalyDetectorOutput } from "@aws-sdk/client-cloudwatch";
import { putAnomalyDetector } from "../../lib/anomaly-detectors/detectors.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<PutAnomalyDetectorInput, PutAnomalyDetectorOutput>((input, { accountId }) => putAnomalyDetector(accountId, input));
