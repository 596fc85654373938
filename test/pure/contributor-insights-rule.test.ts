/**
 * Contributor Insights rule definitions as the CloudWatch User Guide's
 * "Contributor Insights rule syntax" describes them: JSON property notation,
 * CLF fields by position or alias, the eight filter operators, Count and Sum.
 */
import { describe, expect, it } from "vitest";
import { compileRule, contributionOf, jsonPath, parseDefinition } from "../../lib/contributor-insights/rule-definition.js";
import { GUIDE_CLF_RULE } from "../support/recorded-requests.js";

const rule = (contribution: object, extra: object = {}) =>
  compileRule(JSON.stringify({ Schema: { Name: "CloudWatchLogRule", Version: 1 }, LogGroupNames: ["g"], LogFormat: "JSON", Contribution: contribution, AggregateOn: "Count", ...extra }));

describe("JSON property notation", () => {
  const doc = { userAgent: "curl", endpoints: ["a", "b"], users: [{ name: "x" }, { name: "y" }], requestParameters: { instanceId: "i-1" } };
  // The guide's four examples.
  it.each([
    ["$.userAgent", "curl"],
    ["$.endpoints[0]", "a"],
    ["$.users[1].name", "y"],
    ["$.requestParameters.instanceId", "i-1"],
    ["$.missing", undefined],
    ["$.users[5].name", undefined],
    ["userAgent", undefined],
    // A log event's own fields only, not what every JavaScript object inherits.
    ["$.constructor", undefined],
    ["$.toString", undefined],
  ])("%s reads %j", (path, value) => expect(jsonPath(doc, path)).toBe(value));
});

describe("filters", () => {
  const ev = (o: object) => JSON.stringify({ ip: "1.2.3.4", ...o });
  it.each([
    [{ Match: "$.httpMethod", In: ["PUT", "POST"] }, { httpMethod: "PUT" }, true],
    [{ Match: "$.httpMethod", In: ["PUT"] }, { httpMethod: "GET" }, false],
    [{ Match: "$.httpMethod", NotIn: ["PUT"] }, { httpMethod: "GET" }, true],
    [{ Match: "$.httpMethod", NotIn: ["PUT"] }, {}, false],
    [{ Match: "$.eventSource", StartsWith: ["ec2", "ecs"] }, { eventSource: "ecs.amazonaws.com" }, true],
    [{ Match: "$.eventSource", StartsWith: ["ec2"] }, { eventSource: "s3.amazonaws.com" }, false],
    [{ Match: "$.StatusCode", EqualTo: 200 }, { StatusCode: 200 }, true],
    [{ Match: "$.StatusCode", EqualTo: 200 }, { StatusCode: "200" }, true],
    [{ Match: "$.StatusCode", NotEqualTo: 200 }, { StatusCode: 500 }, true],
    [{ Match: "$.BytesReceived", GreaterThan: 10000 }, { BytesReceived: 10001 }, true],
    [{ Match: "$.BytesReceived", GreaterThan: 10000 }, { BytesReceived: 10000 }, false],
    [{ Match: "$.BytesReceived", LessThan: 10 }, { BytesReceived: 9 }, true],
    [{ Match: "$.BytesReceived", LessThan: 10 }, { BytesReceived: "many" }, false],
    [{ Match: "$.c-count", IsPresent: true }, { "c-count": 1 }, true],
    [{ Match: "$.c-count", IsPresent: false }, { "c-count": 1 }, false],
    // "The isPresent works only with values in the leaf node of JSON properties."
    [{ Match: "$.details", IsPresent: true }, { details: { "c-count": { c1: 1 } } }, false],
  ])("%j on %j: %s", (filter, fields, matches) => {
    const r = rule({ Keys: ["$.ip"], Filters: [filter] });
    expect(contributionOf(r, ev(fields)) !== undefined).toBe(matches);
  });

  it("ANDs several filters", () => {
    const r = rule({ Keys: ["$.ip"], Filters: [{ Match: "$.m", In: ["PUT"] }, { Match: "$.b", GreaterThan: 5 }] });
    expect(contributionOf(r, ev({ m: "PUT", b: 6 }))).toEqual({ keys: ["1.2.3.4"], value: 1 });
    expect(contributionOf(r, ev({ m: "PUT", b: 5 }))).toBeUndefined();
  });
});

describe("contributions", () => {
  it("count 1 an event, or sum the number at ValueOf; an event without a key or a number contributes nothing", () => {
    const sum = rule({ Keys: ["$.ip", "$.user"], ValueOf: "$.bytes" }, { AggregateOn: "Sum" });
    expect(contributionOf(sum, JSON.stringify({ ip: "a", user: "u", bytes: 12.5 }))).toEqual({ keys: ["a", "u"], value: 12.5 });
    expect(contributionOf(sum, JSON.stringify({ ip: "a", user: "u", bytes: "x" }))).toBeUndefined();
    expect(contributionOf(sum, JSON.stringify({ ip: "a", bytes: 1 }))).toBeUndefined();
    expect(contributionOf(sum, "plain text")).toBeUndefined();
  });

  it("reads CLF fields by position from 1, or by the names Fields gives them (the guide's CLF example)", () => {
    const clf = compileRule(JSON.stringify(GUIDE_CLF_RULE));
    const line = (status: number) => `a b c 10.1.2.3 [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.0" ${status} 2326`;
    expect(contributionOf(clf, line(200))).toEqual({ keys: ["10.1.2.3"], value: 1 });
    expect(contributionOf(clf, line(404))).toBeUndefined();
  });

  it("answers InvalidParameterValue for a definition that is not a JSON object", () => {
    expect(() => parseDefinition("{nope")).toThrow(expect.objectContaining({ code: "InvalidParameterValue" }));
    expect(() => parseDefinition("[1]")).toThrow(expect.objectContaining({ code: "InvalidParameterValue" }));
    expect(parseDefinition("{}")).toEqual({});
  });
});
