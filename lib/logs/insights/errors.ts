/**
 * Logs Insights' errors. A query that does not compile answers
 * MalformedQueryException with a QueryCompileError: `{location: {start, end}, message}`
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_QueryCompileError.html),
 * offsets into the query string.
 */
import { logsError } from "../../errors.js";

export const malformedQuery = (message: string, start: number, end: number) =>
  logsError("MalformedQueryException", message, { queryCompileError: { location: { startCharOffset: start, endCharOffset: end }, message } });
