/** Scheduled: runs export tasks that are pending or whose runner went away. */
import middy from "@middy/core";
import { runPendingExports } from "../../lib/logs/events/export-tasks.js";

export const handler = middy<unknown, { ran: number }>().handler(async () => ({ ran: await runPendingExports() }));
