/**
 * The CloudWatch Logs errors, with AWS's codes and messages. Logs speaks
 * awsJson1_1 and answers every one of these with HTTP 400.
 */
import { logsError } from "../errors.js";

export const invalidParameter = (message: string) => logsError("InvalidParameterException", message);

/** AWS's own checks that are not model constraints (e.g. resource ARNs, deletion protection). */
export const validationException = (message: string) => logsError("ValidationException", message);

export const logGroupNotFound = () =>
  logsError("ResourceNotFoundException", "The specified log group does not exist.");

export const logStreamNotFound = () =>
  logsError("ResourceNotFoundException", "The specified log stream does not exist.");

export const logGroupExists = () =>
  logsError("ResourceAlreadyExistsException", "The specified log group already exists");

export const logStreamExists = () =>
  logsError("ResourceAlreadyExistsException", "The specified log stream already exists");

export const tooManyTags = (resourceName: string) =>
  logsError("TooManyTagsException", "A resource can have no more than 50 tags.", { resourceName });

/**
 * Metric and subscription filters on a group of another class than STANDARD. AWS's words, as
 * DescribeSubscriptionFilters answered them for an Infrequent Access group (turbot/steampipe-plugin-aws#2758).
 */
export const standardClassOnly = () => validationException("This operation is only supported on the Standard log class.");

/**
 * A read only Standard groups serve (AWS's "Log classes" page: GetLogEvents and FilterLogEvents). AWS's
 * words for FilterLogEvents on an Infrequent Access group, quoted in aws/karpenter-provider-aws#9567.
 */
export const unsupportedForClass = (logGroupName: string, logGroupClass: string, operation: string) =>
  logsError(
    "InvalidOperationException",
    `The log group ${logGroupName} is of log-group-class ${logGroupClass}. ${operation} is not supported for this log class.`,
  );

export const invalidNextToken = () => invalidParameter("The specified nextToken is invalid.");

/** No public recording of AWS's words for this was found; it says what is missing, as AWS's others do. */
export const dataProtectionPolicyNotFound = () =>
  logsError("ResourceNotFoundException", "The specified data protection policy does not exist.");

/** DeleteResourcePolicy's words (recorded by localstack), for the account policies beside them. */
export const policyNotFound = (policyName: string) => logsError("ResourceNotFoundException", `Policy with name [${policyName}] does not exist.`);
