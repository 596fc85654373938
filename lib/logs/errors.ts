/**
 * The CloudWatch Logs errors, with AWS's codes and messages. Logs speaks
 * awsJson1_1 and answers every one of these with HTTP 400.
 */
import { ServiceError } from "../errors.js";

export const invalidParameter = (message: string) => new ServiceError("InvalidParameterException", message, 400);

/** AWS's own checks that are not model constraints (e.g. resource ARNs, deletion protection). */
export const validationException = (message: string) => new ServiceError("ValidationException", message, 400);

export const logGroupNotFound = () =>
  new ServiceError("ResourceNotFoundException", "The specified log group does not exist.", 400);

export const logStreamNotFound = () =>
  new ServiceError("ResourceNotFoundException", "The specified log stream does not exist.", 400);

export const logGroupExists = () =>
  new ServiceError("ResourceAlreadyExistsException", "The specified log group already exists", 400);

export const logStreamExists = () =>
  new ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists", 400);

export const tooManyTags = (resourceName: string) =>
  new ServiceError("TooManyTagsException", "A resource can have no more than 50 tags.", 400, { resourceName });

export const invalidNextToken = () => invalidParameter("The specified nextToken is invalid.");
