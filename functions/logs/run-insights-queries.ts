/**
 * Runs Logs Insights queries: invoked by StartQuery with one query to run,
 * and every minute to run queries no runner holds and delete expired ones.
 */
import middy from "@middy/core";
import { runQueryEvent, type RunnerEvent } from "../../lib/logs/insights/query-runner.js";

export const handler = middy<RunnerEvent, { ran: number; deleted: number }>().handler((event) => runQueryEvent(event));
