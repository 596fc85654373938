import type { DeleteAnomalyDetectorInput, DeleteAnomalyDetectorOutput } from "@aws-sdk/client-cloudwatch";
import { deleteAnomalyDetector } from "../../lib/anomaly-detectors/detectors.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<DeleteAnomalyDetectorInput, DeleteAnomalyDetectorOutput>((input, { accountId }) => deleteAnomalyDetector(accountId, input));
