/**
 * CloudWatch Logs names, tags, retention and ARNs: how the model's
 * constraints on them are answered (through the validation stage, as the
 * front runs it), the rules beyond the model, and the storage keys. Pure
 * functions: no server needed.
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../lib/errors.js";
import {
  checkNotReserved,
  checkRetentionDays,
  isHashedToken,
  logGroupArn,
  logGroupKey,
  logGroupNameFromResourceArn,
  logGroupWildcardArn,
  logStreamArn,
  logStreamKey,
  logStreamsFilter,
  nameToken,
  resolveLogGroupIdentifier,
  RETENTION_DAYS,
} from "../../lib/logs/names.js";
import { validateInput } from "../../lib/validation/validate-input.js";
import { javaString } from "../../lib/validation/violation.js";

function errorOf(fn: () => unknown): ServiceError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error("expected an error");
}

/** The stage's answer to a Logs request, or undefined when it passes. */
function answer(operation: string, input: Record<string, unknown>): ServiceError | undefined {
  try {
    validateInput("logs", operation, input);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
}
const groupNameError = (name: string | undefined) => answer("DeleteLogGroup", { logGroupName: name });
const streamNameError = (name: string | undefined) => answer("DeleteLogStream", { logGroupName: "g", logStreamName: name });

describe("log group names", () => {
  it("accept 1-512 characters of letters, digits and . - _ / #", () => {
    for (const ok of ["a", "/aws/lambda/my-fn", "my.group_1#2", "A".repeat(512), "..", "#"]) {
      expect(groupNameError(ok), ok).toBeUndefined();
    }
  });

  it("reject other characters with AWS's pattern message, the pattern matched against the whole name", () => {
    for (const bad of ["my group:1", "x:latest"]) {
      const e = groupNameError(bad)!;
      expect(e.code).toBe("InvalidParameterException");
      expect(e.status).toBe(400);
      expect(e.message).toBe(
        `1 validation error detected: Value '${bad}' at 'logGroupName' failed to satisfy constraint: ` +
          "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
      );
    }
  });

  it("report an empty name as two violations, pattern first (as AWS does)", () => {
    expect(groupNameError("")!.message).toBe(
      "2 validation errors detected: " +
        "Value '' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+; " +
        "Value '' at 'logGroupName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it("report a missing name as null", () => {
    expect(groupNameError(undefined)!.message).toBe(
      "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null",
    );
  });

  it("over 512 characters: the generic message, except on the Create operations", () => {
    const long = "a".repeat(513);
    expect(groupNameError(long)!.message).toBe(
      `1 validation error detected: Value '${long}' at 'logGroupName' failed to satisfy constraint: Member must have length less than or equal to 512`,
    );
    const e = answer("CreateLogGroup", { logGroupName: long })!;
    expect(e.code).toBe("InvalidParameterException");
    expect(e.message).toBe("Invalid LogGroup or LogStream, both must have length less than or equal to 512.");
    expect(answer("CreateLogStream", { logGroupName: "a".repeat(512), logStreamName: "b".repeat(512) })).toBeUndefined();
    expect(answer("CreateLogStream", { logGroupName: "a", logStreamName: "b".repeat(513) })!.message).toMatch(/^Invalid LogGroup or LogStream/);
  });

  it("starting with aws/ (any case) are reserved; /aws/... is not", () => {
    for (const reserved of ["aws/x", "AWS/x", "Aws/lambda"]) {
      const e = errorOf(() => checkNotReserved(reserved));
      expect(e.code).toBe("InvalidParameterException");
      expect(e.message).toBe("Log groups starting with AWS/ are reserved for AWS.");
    }
    expect(() => checkNotReserved("/aws/lambda/f")).not.toThrow();
    expect(() => checkNotReserved("awsx/y")).not.toThrow();
  });
});

describe("log stream names", () => {
  it("accept anything 1-512 characters long without ':' or '*'", () => {
    for (const ok of ["s", "2024/01/01/[$LATEST]abc", "with space", "ünïcödé 😀", "x".repeat(512), "😀".repeat(512)]) {
      expect(streamNameError(ok), ok).toBeUndefined();
    }
  });

  it("reject ':' and '*' anywhere", () => {
    for (const bad of ["a:b", "*", "stream*"]) {
      expect(streamNameError(bad)!.message).toBe(
        `1 validation error detected: Value '${bad}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`,
      );
    }
  });

  it("reject empty and over-long names", () => {
    expect(streamNameError("")!.message).toBe(
      "1 validation error detected: Value '' at 'logStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(streamNameError("s".repeat(513))!.message).toMatch(/Member must have length less than or equal to 512$/);
  });

  it("collect violations of several members into one error", () => {
    expect(answer("DeleteLogStream", { logGroupName: "bad name", logStreamName: "bad:stream" })!.message).toMatch(
      /^2 validation errors detected: Value 'bad name' at 'logGroupName' .*; Value 'bad:stream' at 'logStreamName' /,
    );
  });
});

describe("retention", () => {
  it("allows exactly AWS's set of days", () => {
    expect([...RETENTION_DAYS]).toEqual([
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ]);
    for (const d of RETENTION_DAYS) expect(() => checkRetentionDays(d)).not.toThrow();
  });

  it("rejects other values with the enum message", () => {
    expect(errorOf(() => checkRetentionDays(2)).message).toBe(
      "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: " +
        "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
    );
    for (const bad of [0, -1, 4, 366, 3654]) expect(() => checkRetentionDays(bad)).toThrow(ServiceError);
  });

  it("values print the way Java prints them", () => {
    expect(javaString({ a: "1", b: "2" })).toBe("{a=1, b=2}");
    expect(javaString(["x", "y"])).toBe("[x, y]");
    expect(javaString(undefined)).toBe("null");
  });
});

describe("tags", () => {
  const check = (tags: Record<string, string>) => answer("TagLogGroup", { logGroupName: "g", tags });

  it("keys of 1-128 and values of 0-256 letters, digits, spaces and _ . : / = + - @", () => {
    expect(check({ env: "prod", "k.e:y/=+-@_ 1": "", "ключ": "значение", ["k".repeat(128)]: "v".repeat(256) })).toBeUndefined();
  });

  it("reject a bad value with AWS's map value message", () => {
    expect(check({ env: "a*b" })!.message).toBe(
      "1 validation error detected: Value '{env=a*b}' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: " +
        // botocore leaves out zero minimums, so AWS's "greater than or equal to 0" is not listed here.
        "[Member must have length less than or equal to 256, " +
        "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]",
    );
    expect(check({ env: "v".repeat(257) })!.message).toMatch(/Map value must satisfy constraint/);
  });

  it("reject a bad key with AWS's map key message", () => {
    expect(check({ "": "x" })!.message).toBe(
      "1 validation error detected: Value '{=x}' at 'tags' failed to satisfy constraint: Map key must satisfy constraint: " +
        "[Member must have length less than or equal to 128, Member must have length greater than or equal to 1, " +
        "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$]",
    );
    expect(check({ ["k".repeat(129)]: "x" })).toBeDefined();
    expect(check({ "a&b": "x" })).toBeDefined();
  });

  it("1 to 50 tags per request", () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    expect(check(fifty)).toBeUndefined();
    expect(check({ ...fifty, k50: "v" })!.message).toMatch(/failed to satisfy constraint: Member must have length less than or equal to 50$/);
    expect(check({})!.message).toMatch(/Value '\{\}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1$/);
  });
});

describe("ARNs", () => {
  it("of a log group: logGroupArn without, arn with ':*'; of a stream under its group", () => {
    expect(logGroupArn("us-east-1", "123456789012", "/aws/lambda/f")).toBe("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f");
    expect(logGroupWildcardArn("us-east-1", "123456789012", "g")).toBe("arn:aws:logs:us-east-1:123456789012:log-group:g:*");
    expect(logStreamArn("eu-west-1", "123456789012", "g", "s 1")).toBe("arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:s 1");
    expect(logGroupArn("cn-north-1", "123456789012", "g")).toBe("arn:aws-cn:logs:cn-north-1:123456789012:log-group:g");
  });

  it("tagging APIs take the log group ARN without ':*'", () => {
    expect(logGroupNameFromResourceArn("arn:aws:logs:us-east-1:123456789012:log-group:/a/b", "123456789012", "us-east-1")).toBe("/a/b");
    for (const bad of ["arn:aws:logs:us-east-1:123456789012:log-group:/a/b:*", "not-an-arn", "arn:aws:s3:::bucket", "arn:aws:logs:us-east-1:123:log-group:x"]) {
      const e = errorOf(() => logGroupNameFromResourceArn(bad, "123456789012", "us-east-1"));
      expect([e.code, e.message], bad).toEqual(["ValidationException", "Invalid resourceArn"]);
    }
  });

  it("an ARN of another account or region names nothing of the caller's", () => {
    for (const other of ["arn:aws:logs:us-east-1:210987654321:log-group:g", "arn:aws:logs:eu-west-1:123456789012:log-group:g"]) {
      const e = errorOf(() => logGroupNameFromResourceArn(other, "123456789012", "us-east-1"));
      expect([e.code, e.message]).toEqual(["ResourceNotFoundException", "The specified log group does not exist."]);
    }
  });

  it("logGroupIdentifier is a name or an ARN; the ':*' form fails the model's pattern first", () => {
    const r = (id: string) => resolveLogGroupIdentifier(id, "123456789012", "us-east-1");
    expect(r("/a/b")).toBe("/a/b");
    expect(r("arn:aws:logs:us-east-1:123456789012:log-group:/a/b")).toBe("/a/b");
    expect(errorOf(() => r("arn:aws:logs:us-east-1:210987654321:log-group:/a/b")).code).toBe("ResourceNotFoundException");
    expect(answer("DescribeLogStreams", { logGroupIdentifier: "arn:aws:logs:us-east-1:123456789012:log-group:/a/b:*" })!.message).toMatch(
      // AWS does not echo the value here (moto's AWS-verified test_arn_formats_log_group_and_stream).
      /^1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: /,
    );
  });
});

describe("storage keys", () => {
  it("put the account first and escape names into single tokens", () => {
    expect(logGroupKey("123456789012", "/aws/lambda/f")).toBe("123456789012.=2Faws=2Flambda=2Ff");
    expect(logStreamKey("123456789012", "g.1", "s 1")).toBe("123456789012.g=2E1.s=201");
    expect(logStreamsFilter("123456789012", "g.1")).toBe("123456789012.g=2E1.*");
  });

  it("hash names whose escaped token would not fit in a NATS subject", () => {
    const long = "😀".repeat(256);
    const token = nameToken(long);
    expect(isHashedToken(token)).toBe(true);
    expect(token).toMatch(/^=H[0-9a-f]{64}$/);
    expect(nameToken(long)).toBe(token);
    expect(isHashedToken(nameToken("/".repeat(300)))).toBe(false);
    // no escaped name looks hashed: escapes are '=' and two hex digits
    expect(isHashedToken(nameToken("=H"))).toBe(false);
  });
});
