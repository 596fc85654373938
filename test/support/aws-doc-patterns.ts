/**
 * Filter patterns as AWS's own pages print them, with the events and answers
 * those pages give: one table for the compiler test
 * (test/pure/logs-patterns-aws-docs.test.ts) and the service test that drives
 * it through TestMetricFilter (test/service/logs-patterns-service.test.ts).
 *
 * Each group names its page and section. A row's answers are the page's
 * where it prints them (the events it says match, and those it says do not);
 * where a page prints a pattern but no events, or not every answer, the row
 * (or the group) says `inferred` and why: the events are written from the
 * page's text and the answer follows from its stated rule.
 */

export const SOURCES = {
  /** The current page; its text as of 2023-03 is in the awsdocs repository (archived 2023-06). */
  SYNTAX_2023:
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html " +
    "(text: github.com/awsdocs/amazon-cloudwatch-logs-user-guide@27742e1 doc_source/FilterAndPatternSyntax.md)",
  SYNTAX_2022: "FilterAndPatternSyntax.md, github.com/awsdocs/amazon-cloudwatch-logs-user-guide@5bd7d24 (2022-03)",
  SYNTAX_2020: "FilterAndPatternSyntax.md, github.com/awsdocs/amazon-cloudwatch-logs-user-guide@5ae5c9a (2020-09)",
  SYNTAX_2018: "FilterAndPatternSyntax.md, github.com/awsdocs/amazon-cloudwatch-logs-user-guide@1487b94 (2018-08)",
  REGEX: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html",
  COUNT_OCCURRENCES: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CountOccurrencesExample.html",
  COUNT_EVENTS: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CountingLogEventsExample.html",
  COUNT_404: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Counting404Responses.html",
  EXTRACT_BYTES: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/ExtractBytesExample.html",
  SUBSCRIPTIONS: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html",
  CLOUDTRAIL: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
  CLOUDTRAIL_MORE: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail-additional-examples.html",
  SECURITY_HUB:
    "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html " +
    "(text: github.com/awsdocs/aws-security-hub-user-guide doc_source/cloudwatch-controls.md and its history)",
  VPC_FLOW: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html",
  VPC_RECORDS: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html",
  LIGHTSAIL: "https://docs.aws.amazon.com/lightsail/2016-11-28/api-reference/API_GetContainerLog.html (filterPattern)",
  LIVE_TAIL: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html (logEventFilterPattern)",
  CDK: "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_logs.FilterPattern.html and github.com/aws/aws-cdk packages/aws-cdk-lib/aws-logs/test/pattern.test.ts",
  /** Recorded AWS answers in public reports. */
  DOCS_PR_31: "https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/pull/31 (merged: quoted \"ERROR Exception\" is one phrase; \"ERROR\" \"Exception\" finds both terms)",
  DOCS_ISSUE_21: "https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide/issues/21 (the console answers \"Invalid filter pattern\")",
  AWSLOGS_210: "https://github.com/jorgebastida/awslogs/issues/210 (botocore: InvalidParameterException \"If a filter pattern starts with '{' it must end with '}'\")",
  WATCHBOT_141: "https://github.com/mapbox/ecs-watchbot/issues/141 (FilterLogEvents with the message body as pattern: \"Invalid filter pattern\")",
  CLOUDASH_84: "https://github.com/cloudashdev/cloudash/issues/84 (an unquoted request-id-123-something 'returns an empty list'; quoted it finds the events)",
  AWSLOGS_381: "https://github.com/jorgebastida/awslogs/issues/381 (an unquoted ORDER-ITEM-1 does not find ORDER-ITEM-1 lines; '\"ORDER-ITEM-1\"' does)",
  LOCALSTACK_FILTER: "https://github.com/localstack/localstack/blob/main/tests/aws/services/logs/test_logs_filter_events.py (TestFilterLogEventsPatterns, markers.aws.validated: run against AWS)",
  CDK_15047: "https://github.com/aws/aws-cdk/issues/15047 (FilterPattern.stringValue(\"status\", \"=\", \"401\") deploys as { status = \"401\" }: InvalidParameterException)",
  TERRAFORM_2945: "https://github.com/hashicorp/terraform-provider-aws/issues/2945 (a pattern with 'Root' in single quotes fails; double quotes needed)",
  NEWRELIC_36: "https://github.com/newrelic/serverless-newrelic-lambda-layers/issues/36 (putSubscriptionFilter: \"Invalid subscription filter pattern\")",
} as const;

export interface PatternRow {
  pattern: string;
  /** 0-based indexes of the group's messages the pattern matches. */
  matches: number[];
  /** Why (part of) this row's answers are not printed on the page, when they are not. */
  inferred?: string;
  /** Values the page prints as extracted for a matching message (space-delimited patterns), by message index. */
  extracted?: Record<number, Record<string, string>>;
}

export interface PatternGroup {
  source: string;
  section: string;
  messages: string[];
  rows: PatternRow[];
  /** Why the answers of every row of the group are inferred, when they are. */
  inferred?: string;
}

/** A pattern a page says AWS refuses: InvalidParameterException. */
export interface InvalidPattern {
  pattern: string;
  source: string;
  why: string;
  inferred?: string;
}

const json = (o: unknown) => JSON.stringify(o);

// ---------------------------------------------------------------------------------------------------------------------
// Filter and pattern syntax (2023 text)

const TERMS_2023 = [
  "[ERROR 400] BAD REQUEST",
  "[ERROR 401] UNAUTHORIZED REQUEST",
  "[ERROR 419] MISSING ARGUMENTS",
  "[ERROR 420] INVALID ARGUMENTS",
  "[ERROR 500] INTERNAL SERVER ERROR",
];

const TRAIL_2023 = json({
  eventType: "UpdateTrail",
  sourceIPAddress: "111.111.111.111",
  arrayKey: ["value", "another value"],
  objectList: [{ name: "a", id: 1 }, { name: "b", id: 2 }],
  SomeObject: null,
});
/** The same event changed so that each example's condition fails (inferred non-match). */
const TRAIL_2023_CHANGED = json({
  eventType: "CreateTrail",
  sourceIPAddress: "123.123.1.1",
  arrayKey: "value",
  objectList: [{ name: "a", id: 1 }],
  SomeObject: { set: 1 },
  SomeOtherObject: 1,
});

const USERS = json({
  user: { id: 1, email: "John.Stiles@example.com" },
  users: [{ id: 2, email: "John.Doe@example.com" }, { id: 3, email: "Jane.Doe@example.com" }],
  actions: ["GET", "PUT", "DELETE"],
  coordinates: [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
});

const PROD = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534';
const PROD_EXTRACTED = {
  $bytes: "1534",
  $status_code: "404",
  $request: "GET /index.html HTTP/1.0",
  $timestamp: "10/Oct/2000:13:25:15 -0700",
  $username: "frank",
  $user: "Prod",
  $ip: "127.0.0.1",
};

const WORDS = ["ERROR WARN message", "ERROR message", "WARN message", "WARNING message", "INFO message"];

// ---------------------------------------------------------------------------------------------------------------------
// Filter and pattern syntax (2018-2022 texts)

const APACHE = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
];

const TRAIL_2020 = json({
  eventType: "UpdateTrail",
  sourceIPAddress: "111.111.111.111",
  arrayKey: ["value", "another value"],
  objectList: [{ name: "a", id: 1 }, { name: "b", id: 2 }],
  SomeObject: null,
  ThisFlag: true,
});
const TRAIL_2020_CHANGED = json({ eventType: "CreateTrail", ThisFlag: false });

// ---------------------------------------------------------------------------------------------------------------------
// CloudTrail events (the alarms pages print patterns, not events: every answer below is inferred from the pattern's
// conditions on CloudTrail records written with CloudTrail's field names).

const trail = (eventName: string, eventSource: string, extra: Record<string, unknown> = {}) =>
  json({ eventVersion: "1.08", userIdentity: { type: "IAMUser", userName: "Mary" }, eventTime: "2024-01-01T00:00:00Z", eventSource, eventName, awsRegion: "us-east-1", ...extra });

/** A group for a pattern that ORs eventName values (optionally ANDed with an eventSource): each listed name matches, others do not. */
function eventNames(section: string, source: string, pattern: string, names: string[], eventSource = "ec2.amazonaws.com", requireSource = false): PatternGroup {
  const messages = [...names.map((n) => trail(n, eventSource)), trail("DescribeInstances", eventSource), trail(`${names[0]}s`, eventSource)];
  const matches = names.map((_, i) => i);
  if (requireSource) messages.push(trail(names[0]!, "other.amazonaws.com"));
  return {
    source,
    section,
    messages,
    rows: [{ pattern, matches }],
    inferred: "the page prints the pattern only; events are CloudTrail records with each listed eventName, one unlisted, one that only starts with a listed name" + (requireSource ? ", and a listed name from another eventSource" : ""),
  };
}

const S3_NAMES = ["PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"];
const SG_NAMES = ["AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"];
const NACL_NAMES = ["CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"];
const GW_NAMES = ["CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"];
const VPC_NAMES = ["CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink"];
const EC2_NAMES = ["RunInstances", "RebootInstances", "StartInstances", "StopInstances", "TerminateInstances"];
const TRAIL_NAMES = ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"];
const IAM_NAMES = ["DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"];
const ROUTE_NAMES = ["CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"];
const CONFIG_NAMES = ["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"];
const KMS_NAMES = ["DisableKey", "ScheduleKeyDeletion"];

const or = (names: string[], spaced: boolean) =>
  names.map((n) => (spaced ? `($.eventName = ${n})` : `($.eventName=${n})`)).join(spaced ? " || " : " || ");

const rootEvents = [
  json({ userIdentity: { type: "Root", principalId: "123456789012", arn: "arn:aws:iam::123456789012:root" }, eventSource: "signin.amazonaws.com", eventName: "ConsoleLogin", eventType: "AwsConsoleSignIn" }),
  json({ userIdentity: { type: "Root", invokedBy: "support.amazonaws.com" }, eventName: "DescribeTrustedAdvisorChecks", eventType: "AwsApiCall" }),
  json({ userIdentity: { type: "Root" }, eventName: "RotateKey", eventType: "AwsServiceEvent" }),
  json({ userIdentity: { type: "IAMUser", userName: "Mary" }, eventName: "ConsoleLogin", eventType: "AwsConsoleSignIn" }),
];

const consoleLogin = (mfa: string, type: string, result: string) =>
  json({ userIdentity: { type }, eventSource: "signin.amazonaws.com", eventName: "ConsoleLogin", responseElements: { ConsoleLogin: result }, additionalEventData: { MFAUsed: mfa } });
const CONSOLE_LOGINS = [
  consoleLogin("No", "IAMUser", "Success"),
  consoleLogin("Yes", "IAMUser", "Success"),
  consoleLogin("No", "IAMUser", "Failure"),
  consoleLogin("No", "AssumedRole", "Success"),
  json({ userIdentity: { type: "IAMUser" }, eventName: "GetObject", additionalEventData: { MFAUsed: "No" } }),
];

// ---------------------------------------------------------------------------------------------------------------------
// VPC flow log records (VPC_RECORDS prints the first five; the rest are written in the default format to exercise the
// patterns' conditions, and their answers are inferred).

const FLOW = [
  "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
  "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
  "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
  "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA",
  "2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK",
  "2 123456789010 eni-1a2b3c4d 198.51.100.7 10.0.0.5 49761 22 6 20 4249 1418530010 1418530070 REJECT OK",
  "2 123456789010 eni-1a2b3c4d 10.0.0.1 10.0.1.5 49152 80 6 10 300 1418530010 1418530070 REJECT OK",
  "2 123456789010 eni-1a2b3c4d 10.0.2.15 10.0.1.5 49152 8080 6 10 500 1418530010 1418530070 REJECT OK",
  "2 123456789010 eni-1a2b3c4d 10.0.0.10 10.0.1.5 49152 8080 6 10 500 1418530010 1418530070 ACCEPT OK",
];

// ---------------------------------------------------------------------------------------------------------------------

export const GROUPS: PatternGroup[] = [
  {
    source: SOURCES.SYNTAX_2023,
    section: "Using filter patterns to match terms in log events (single term, multiple terms, ?terms, exact phrase, include/exclude, match everything)",
    messages: TERMS_2023,
    rows: [
      { pattern: "ERROR", matches: [0, 1, 2, 3, 4], inferred: "message 5 is the exact-phrase example's event; it holds ERROR" },
      { pattern: "ERROR ARGUMENTS", matches: [2, 3], inferred: "message 5 is the exact-phrase example's event" },
      { pattern: "?ERROR ?ARGUMENTS", matches: [0, 1, 2, 3, 4], inferred: "message 5 is the exact-phrase example's event" },
      { pattern: '"INTERNAL SERVER ERROR"', matches: [4], inferred: "the page prints only the match; the other four lack the phrase" },
      { pattern: "ERROR -ARGUMENTS", matches: [0, 1, 4], inferred: "message 5 is the exact-phrase example's event" },
      { pattern: '" "', matches: [0, 1, 2, 3, 4], inferred: "the page says it returns all log events" },
    ],
  },
  {
    source: SOURCES.SYNTAX_2023,
    section: "Matching terms in JSON log events (the example event; and the event changed so each condition fails)",
    messages: [TRAIL_2023, TRAIL_2023_CHANGED],
    rows: [
      { pattern: '{ $.eventType = "UpdateTrail" }', matches: [0] },
      { pattern: "{ $.sourceIPAddress != 123.123.* }", matches: [0] },
      { pattern: '{ $.arrayKey[0] = "value" }', matches: [0] },
      { pattern: "{ $.objectList[1].id = 2 }", matches: [0] },
      { pattern: "{ $.SomeObject IS NULL }", matches: [0] },
      { pattern: "{ $.SomeOtherObject NOT EXISTS }", matches: [0] },
    ],
    inferred: "the second event is written to fail each condition, per the page's explanation of each example",
  },
  {
    source: SOURCES.SYNTAX_2023,
    section: "Publishing dimensions with metrics from JSON log events ({ $.eventType = \"*\" && ... } matches the example event)",
    messages: [TRAIL_2023, json({ eventType: "UpdateTrail", sourceIPAddress: "123.123.0.9" }), json({ sourceIPAddress: "111.111.111.111" })],
    rows: [{ pattern: '{ $.eventType = "*" && $.sourceIPAddress != 123.123.* }', matches: [0], inferred: "events 2 and 3 are written to fail one condition each" }],
  },
  {
    source: SOURCES.SYNTAX_2023,
    section: "Example: Metric filters that match numeric values (each comparison, one event on each side)",
    messages: [
      json({ bandwidth: 76, latency: 49, refreshRate: 60, responseTime: 5, errorCode: 400, number: [0.001] }),
      json({ bandwidth: 75, latency: 50, refreshRate: 59, responseTime: 6, errorCode: 500, number: [1000] }),
    ],
    rows: [
      { pattern: "{ $.bandwidth > 75 }", matches: [0] },
      { pattern: "{ $.latency < 50 }", matches: [0] },
      { pattern: "{ $.refreshRate >= 60 }", matches: [0] },
      { pattern: "{ $.responseTime <= 5 }", matches: [0] },
      { pattern: "{ $.errorCode = 400}", matches: [0] },
      { pattern: "{ $.errorCode != 500 }", matches: [0] },
      { pattern: "{ $.number[0] = 1e-3 }", matches: [0] },
      { pattern: "{ $.number[0] != 1e+3 }", matches: [0] },
    ],
    inferred: "the page prints patterns without events; the events sit at each comparison's boundary",
  },
  {
    source: SOURCES.SYNTAX_2022,
    section: "Example: Metric filters that match numeric values (the 2022 text's scientific-notation lines)",
    messages: [json({ number: [1000] }), json({ number: [0.001] })],
    rows: [
      { pattern: "{ $.number[0] = 1e+3 }", matches: [0] },
      { pattern: "{ $.number[0] != 1e-3 }", matches: [0] },
    ],
    inferred: "the page prints patterns without events",
  },
  {
    source: SOURCES.SYNTAX_2023,
    section: "Using compound expressions to match terms in JSON objects",
    messages: [USERS],
    rows: [
      { pattern: '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', matches: [0] },
      { pattern: '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }', matches: [0] },
      { pattern: '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }', matches: [] },
      { pattern: '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', matches: [] },
    ],
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "JSON Compound Conditions (the 2020 text's unquoted nonmatch/nomatch)",
    messages: [USERS],
    rows: [
      { pattern: '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', matches: [0] },
      { pattern: '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }', matches: [] },
    ],
  },
  {
    source: SOURCES.SYNTAX_2023,
    section: "Using metric filters to extract values from space-delimited log events; Publishing dimensions from space-delimited log events",
    messages: [PROD, '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.css HTTP/1.0" 200 999'],
    rows: [
      { pattern: "[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]", matches: [0], extracted: { 0: PROD_EXTRACTED } },
      { pattern: "[..., request =*.html*, status_code = 4*, bytes]", matches: [0] },
      { pattern: "[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]", matches: [0] },
      {
        pattern: "[ip, server, username, timestamp, request, status_code, bytes > 1000]",
        matches: [0],
        extracted: { 0: { $bytes: "1534", $status_code: "404", $request: "GET /index.html HTTP/1.0", $timestamp: "10/Oct/2000:13:25:15 -0700", $username: "frank", $server: "Prod", $ip: "127.0.0.1" } },
      },
    ],
    inferred: "the second event (a 200 for /index.css of 999 bytes) is written to fail each pattern's conditions",
  },
  {
    source: SOURCES.SYNTAX_2023,
    section: "Using pattern matching to match terms in space-delimited log events (w1 is the first word)",
    messages: WORDS,
    rows: [
      { pattern: "[w1=ERROR, w2]", matches: [1], inferred: "the 2020 text prints the answer for the first three events (pattern 2); WARNING/INFO events added" },
      { pattern: "[w1=ERROR || W1=WARNING, w2]", matches: [1, 3], inferred: "as printed (W1 in capitals); the page says the first word is ERROR or WARNING; events written" },
      { pattern: "[w1!=ERROR && w1!=WARNING, w2]", matches: [2, 4], inferred: "the page says the first word is neither ERROR nor WARNING; events written" },
    ],
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "OR Pattern Matching (text, space-delimited and JSON examples)",
    messages: WORDS.slice(0, 3),
    rows: [
      { pattern: "?ERROR ?WARN", matches: [0, 1, 2] },
      { pattern: "ERROR WARN", matches: [0] },
      { pattern: "ERROR -WARN", matches: [1] },
      { pattern: "[w1=ERROR || w1=WARN, w2]", matches: [1, 2] },
      {
        pattern: "[w1!=ERROR&&w1!=WARN, w2]",
        matches: [],
        inferred: "the 2020 text says it 'matches lines containing both ERROR and WARN (pattern 1)', which its own [w1=ERROR, w2] example contradicts (three words never fill two fields, and w1 of pattern 1 is ERROR); the 2023 text reads it as 'the first word is neither', which matches none of these three",
      },
    ],
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "OR Pattern Matching, JSON",
    messages: ['{"foo": "bar"}', '{"foo": "baz"}'],
    rows: [
      { pattern: "{$.foo = bar}", matches: [0] },
      { pattern: "{$.foo = baz }", matches: [1] },
      { pattern: "{$.foo = bar || $.foo = baz }", matches: [0, 1] },
    ],
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "Matching Terms in Log Events, examples 1-4",
    messages: [
      "[ERROR] A fatal exception has occurred",
      "Exiting with ERRORCODE: -1",
      "[ERROR] Caught IllegalArgumentException",
      "[ERROR] Unhandled Exception",
      "[WARN] Failed to process the request",
      "[ERROR] Unable to continue: Failed to process the request",
    ],
    rows: [
      { pattern: '""', matches: [0, 1, 2, 3, 4, 5], inferred: "the page says it matches all log events" },
      { pattern: '"ERROR"', matches: [0, 1, 2, 3, 5], inferred: "the page prints events 1-2; 3, 4 and 6 hold ERROR, 5 does not" },
      { pattern: '"ERROR" - "Exiting"', matches: [0, 2, 3, 5], inferred: "the page prints that event 2 is excluded" },
      { pattern: "ERROR Exception", matches: [2, 3], inferred: "the page prints events 3-4; the others lack one of the terms" },
      { pattern: "Failed to process the request", matches: [4, 5], inferred: "the page prints events 5-6; the others lack the terms" },
      { pattern: '"ERROR" "Exception"', matches: [2, 3], inferred: `the form ${SOURCES.DOCS_PR_31} put on the page for example 4` },
      { pattern: '"ERROR Exception"', matches: [], inferred: `${SOURCES.DOCS_PR_31}: quoted, it is one phrase, which none of these holds` },
    ],
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "JSON Metric Filter Examples (ThisFlag IS TRUE, and 'this also works for boolean filters which check for FALSE')",
    messages: [TRAIL_2020, TRAIL_2020_CHANGED],
    rows: [
      { pattern: "{ $.ThisFlag IS TRUE }", matches: [0] },
      { pattern: "{ $.ThisFlag IS FALSE }", matches: [1], inferred: "the page names IS FALSE in prose; the second event is written with ThisFlag false" },
    ],
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "Matching JSON Terms: *Event matches PutEvent and GetEvent; Event* matches EventId and EventName; Ev*ent only matches the actual string Ev*ent",
    messages: ['{"eventName": "PutEvent"}', '{"eventName": "GetEvent"}', '{"eventName": "EventId"}', '{"eventName": "EventName"}', '{"eventName": "Ev*ent"}', '{"eventName": "Evident"}'],
    rows: [
      { pattern: "{ $.eventName = *Event }", matches: [0, 1] },
      { pattern: "{ $.eventName = Event* }", matches: [2, 3] },
      { pattern: "{ $.eventName = Ev*ent }", matches: [4] },
    ],
    inferred: "the page gives the values, not the selector: $.eventName is ours",
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "JSON Special Considerations: a selector on an array matches neither = nor !=",
    messages: ['{"users": [1, 2, 3]}', '{"users": 1}', '{"users": 2}'],
    rows: [
      { pattern: "{$.users = 1}", matches: [1], inferred: "events 2-3 are written: the selector on a number" },
      { pattern: "{$.users != 1}", matches: [2], inferred: "events 2-3 are written: the selector on a number" },
    ],
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "Numeric Comparisons (each example, with values on each side of it)",
    messages: [
      '{"latency": 500, "numbers": [9999], "processes": [0,0,0,0,{"averageRuntime": 55.5}], "errorCode": 400}',
      '{"latency": 499, "numbers": [10000], "processes": [0,0,0,0,{"averageRuntime": 55.6}], "errorCode": 500}',
      '{"latency": 1001, "numbers": [0.009], "errorCode": 403}',
    ],
    rows: [
      { pattern: "{ $.latency >= 500 }", matches: [0, 2] },
      { pattern: "{ $.numbers[0] < 10e3 }", matches: [0, 2] },
      { pattern: "{ $.numbers[0] < 10e-3 }", matches: [2] },
      { pattern: "{ $.processes[4].averageRuntime <= 55.5 }", matches: [0] },
      { pattern: "{ $.latency > +1000 }", matches: [2] },
    ],
    inferred: "the page prints patterns without events",
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "Using Metric Filters to Extract Values from Space-Delimited Log Events",
    messages: APACHE,
    rows: [
      { pattern: "[ip, user, username, timestamp, request, status_code, bytes]", matches: [0, 1, 2, 3] },
      { pattern: "[..., status_code, bytes]", matches: [0, 1, 2, 3] },
      { pattern: "[ip, user, ..., status_code, bytes]", matches: [0, 1, 2, 3] },
      { pattern: "[ip, user, ...]", matches: [0, 1, 2, 3] },
      { pattern: "[ip, user, username, timestamp, request, status_code, bytes > 1000]", matches: [0, 1, 2, 3] },
      { pattern: "[ip, user, username, timestamp, request, status_code = 200, bytes]", matches: [0, 2] },
      { pattern: "[ip, user, username, timestamp, request, status_code = 4*, bytes]", matches: [3] },
      { pattern: "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", matches: [3] },
      { pattern: "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]", matches: [3] },
      { pattern: "[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]", matches: [3] },
      { pattern: "[ip, user, username, timestamp, request, status_code = 4* && status_code = 5*, bytes]", matches: [], inferred: "2018 text; no status code starts with both 4 and 5" },
      {
        pattern: "[..., request=*.html*, status_code=4*,]",
        matches: [3],
        extracted: { 3: { $status_code: "404", $request: "GET /index.html HTTP/1.0", $7: "1534", $4: "10/Oct/2000:13:25:15 -0700", $3: "frank", $2: "-", $1: "127.0.0.1" } },
      },
    ],
    inferred: "the page prints the events and the patterns, and which event each condition selects follows from it; event 4 is the extraction example's event",
  },
  {
    source: SOURCES.SYNTAX_2020,
    section: "Publishing Numerical Values Found in Log Entries ({ $.latency = * } publishes 50 for the example request)",
    messages: ['{"latency": 50, "requestType": "GET"}', '{"requestType": "GET"}', "latency=50"],
    rows: [{ pattern: "{ $.latency = * }", matches: [0], inferred: "events 2-3 (no latency; not JSON) are written" }],
  },
  {
    source: SOURCES.COUNT_OCCURRENCES,
    section: "Example: Count occurrences of a term (the test events posted; and the counting example's other events)",
    messages: ["This message contains an Error", "This message also contains an Error", "Test event 1", "Test event 2"],
    rows: [{ pattern: "Error", matches: [0, 1], inferred: "events 3-4 come from the Count log events example and hold no Error" }],
  },
  {
    source: SOURCES.COUNT_EVENTS,
    section: "Example: Count log events (--filter-pattern \" \" and an empty pattern count every event)",
    messages: ["Test event 1", "Test event 2", "This message also contains an Error"],
    rows: [
      { pattern: "", matches: [0, 1, 2], inferred: "the console leaves Filter Pattern blank; SubscriptionFilters.html uses --filter-pattern \"\" for every event" },
    ],
  },
  {
    source: SOURCES.COUNT_404,
    section: "Example: Count HTTP 404 codes (the page's event; and the 200 event it posts)",
    messages: [
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 404 2326',
      '127.0.0.1 - bob [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 404 2326',
      '127.0.0.1 - bob [10/Oct/2000:13:55:36 -0700] "GET /apache_pb2.gif HTTP/1.0" 200 2326',
    ],
    rows: [
      { pattern: "[IP, UserInfo, User, Timestamp, RequestInfo, StatusCode=404, Bytes]", matches: [0, 1] },
      { pattern: "[ip, id, user, timestamp, request, status_code=404, size]", matches: [0, 1] },
    ],
    inferred: "the page posts both bob events and counts 404s; that the 200 does not count follows from status_code=404",
  },
  {
    source: SOURCES.EXTRACT_BYTES,
    section: "Example: Extract fields from an Apache log (metricValue $size; the page's test data)",
    messages: [
      '127.0.0.1 - - [24/Sep/2013:11:49:52 -0700] "GET /index.html HTTP/1.1" 404 287',
      '127.0.0.1 - - [24/Sep/2013:11:50:51 -0700] "GET /~test/ HTTP/1.1" 200 3',
      '127.0.0.1 - - [24/Sep/2013:11:50:51 -0700] "GET /favicon.ico HTTP/1.1" 404 308',
      '127.0.0.1 - - [24/Sep/2013:11:51:34 -0700] "GET /~test/index.html HTTP/1.1" 200 3',
      "a line of six fields a b",
    ],
    rows: [
      {
        pattern: "[ip, id, user, timestamp, request, status_code, size]",
        matches: [0, 1, 2, 3, 4],
        extracted: { 0: { $ip: "127.0.0.1", $id: "-", $user: "-", $timestamp: "24/Sep/2013:11:49:52 -0700", $request: "GET /index.html HTTP/1.1", $status_code: "404", $size: "287" } },
        inferred: "the page says the rule 'matches the seven fields of the log event'; the last event (seven words, not the Apache shape) is written: it fills the seven fields too",
      },
      { pattern: "[ip, id, user, timestamp, request, status_code=4*, size]", matches: [0, 2], inferred: "the 4xx variant of the same page's history; 4* selects the 404s" },
    ],
  },
  {
    source: SOURCES.SUBSCRIPTIONS,
    section: "Example 1: Subscription filters with Kinesis ({$.userIdentity.type = Root} delivers Root events)",
    messages: ['{"eventVersion":"1.03","userIdentity":{"type":"Root"}}', '{"eventVersion":"1.03","userIdentity":{"type":"AssumedRole"}}', '{"eventVersion":"1.03","userIdentity":{"type":"IAMUser"}}'],
    rows: [
      { pattern: "{$.userIdentity.type = Root}", matches: [0] },
      { pattern: "{$.userIdentity.type = AssumedRole}", matches: [1], inferred: "the cross-account example's pattern; events written" },
    ],
    inferred: "the page prints the delivered Root record (cut short of its closing brace); the others are written",
  },
  // CloudTrail alarms.
  eventNames("Example: Amazon S3 Bucket Activity", SOURCES.CLOUDTRAIL, `{ ($.eventSource = s3.amazonaws.com) && (${or(S3_NAMES, true)}) }`, S3_NAMES, "s3.amazonaws.com", true),
  eventNames("Example: Security Group Configuration Changes", SOURCES.CLOUDTRAIL, `{ ${or(SG_NAMES, true)} }`, SG_NAMES),
  eventNames("Example: Network Access Control List (ACL) Changes", SOURCES.CLOUDTRAIL, `{ ${or(NACL_NAMES, true)} }`, NACL_NAMES),
  eventNames("Example: Network Gateway Changes", SOURCES.CLOUDTRAIL, `{ ${or(GW_NAMES, true)} }`, GW_NAMES),
  eventNames("Example: Amazon Virtual Private Cloud (VPC) Changes", SOURCES.CLOUDTRAIL, `{ ${or(VPC_NAMES, true)} }`, VPC_NAMES),
  eventNames("Example: Amazon EC2 Instance Changes", SOURCES.CLOUDTRAIL, `{ ${or(EC2_NAMES, true)} }`, EC2_NAMES),
  eventNames("Example: CloudTrail Changes", SOURCES.CLOUDTRAIL, `{ ${or(TRAIL_NAMES, true)} }`, TRAIL_NAMES, "cloudtrail.amazonaws.com"),
  eventNames("Example: IAM Policy Changes", SOURCES.CLOUDTRAIL, `{${IAM_NAMES.map((n) => `($.eventName=${n})`).join("||")}}`, IAM_NAMES, "iam.amazonaws.com"),
  eventNames("[CloudWatch.13] route table changes", SOURCES.SECURITY_HUB, `{${or(ROUTE_NAMES, false)}}`, ROUTE_NAMES),
  eventNames(
    "[CloudWatch.9] AWS Config configuration changes",
    SOURCES.SECURITY_HUB,
    `{($.eventSource=config.amazonaws.com) && (${or(CONFIG_NAMES, false)})}`,
    CONFIG_NAMES,
    "config.amazonaws.com",
    true,
  ),
  eventNames(
    "[CloudWatch.7] disabling or scheduled deletion of customer managed keys",
    SOURCES.SECURITY_HUB,
    `{($.eventSource=kms.amazonaws.com) && (${or(KMS_NAMES, false)})}`,
    KMS_NAMES,
    "kms.amazonaws.com",
    true,
  ),
  {
    source: SOURCES.CLOUDTRAIL,
    section: "Example: EC2 Large Instance Changes",
    messages: [
      trail("RunInstances", "ec2.amazonaws.com", { requestParameters: { instanceType: "m5.8xlarge" } }),
      trail("RunInstances", "ec2.amazonaws.com", { requestParameters: { instanceType: "c5.4xlarge" } }),
      trail("RunInstances", "ec2.amazonaws.com", { requestParameters: { instanceType: "t3.micro" } }),
      trail("RunInstances", "ec2.amazonaws.com", { requestParameters: { instanceType: "m5.16xlarge" } }),
      trail("StartInstances", "ec2.amazonaws.com", { requestParameters: { instanceType: "m5.8xlarge" } }),
    ],
    rows: [{ pattern: "{ ($.eventName = RunInstances) && (($.requestParameters.instanceType = *.8xlarge) || ($.requestParameters.instanceType = *.4xlarge)) }", matches: [0, 1] }],
    inferred: "the page prints the pattern only ('a 4x or 8x-large instance'); events written",
  },
  {
    source: SOURCES.CLOUDTRAIL,
    section: "Example: Console Sign-In Failures; and [CloudWatch.6] (the same pattern unspaced)",
    messages: [
      json({ eventName: "ConsoleLogin", errorMessage: "Failed authentication", responseElements: { ConsoleLogin: "Failure" } }),
      json({ eventName: "ConsoleLogin", responseElements: { ConsoleLogin: "Success" } }),
      json({ eventName: "GetObject", errorMessage: "Failed authentication" }),
      json({ eventName: "ConsoleLogin", errorMessage: "Failed authentication, again" }),
    ],
    rows: [{ pattern: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }', matches: [0] }],
    inferred: "the page prints the pattern only; events written (a value is matched whole, not as a prefix)",
  },
  {
    source: SOURCES.CLOUDTRAIL,
    section: "Example: Authorization Failures; and [CloudWatch.2] (the same pattern unspaced)",
    messages: [
      json({ eventName: "RunInstances", errorCode: "Client.UnauthorizedOperation" }),
      json({ eventName: "GetObject", errorCode: "AccessDenied" }),
      json({ eventName: "PutObject", errorCode: "AccessDeniedException" }),
      json({ eventName: "PutObject", errorCode: "ThrottlingException" }),
      json({ eventName: "PutObject" }),
      json({ eventName: "PutObject", errorCode: "UnauthorizedOperationX" }),
    ],
    rows: [{ pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }', matches: [0, 1, 2] }],
    inferred: "the page prints the pattern only; events written (a quoted * is a wildcard, as the CDK's exists() renders $.f = \"*\")",
  },
  {
    source: SOURCES.CLOUDTRAIL_MORE,
    section: "Example: Monitor for Root Usage; and [CloudWatch.1]",
    messages: rootEvents,
    rows: [{ pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }', matches: [0] }],
    inferred: "the page prints the pattern only; events written",
  },
  {
    source: SOURCES.CLOUDTRAIL_MORE,
    section: "Example: Monitor for API Activity Without Multi-factor Authentication (MFA)",
    messages: [
      json({ eventName: "GetObject", userIdentity: { type: "AssumedRole", sessionContext: { attributes: { mfaAuthenticated: "false" } } } }),
      json({ eventName: "GetObject", userIdentity: { type: "AssumedRole", sessionContext: { attributes: { mfaAuthenticated: "true" } } } }),
    ],
    rows: [{ pattern: '{ $.userIdentity.sessionContext.attributes.mfaAuthenticated != "true" }', matches: [0] }],
    inferred: "the page prints the pattern only; events written",
  },
  {
    source: SOURCES.CLOUDTRAIL_MORE,
    section: "Example: Monitor for Console Sign In Without MFA; and [CloudWatch.3] in its three printed forms",
    messages: CONSOLE_LOGINS,
    rows: [
      { pattern: '{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed = "No" }', matches: [0, 2, 3] },
      { pattern: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }', matches: [0] },
      { pattern: '{($.eventName="ConsoleLogin") && ($.additionalEventData.MFAUsed !="Yes")}', matches: [0, 2, 3] },
      { pattern: "{($.eventName=ConsoleLogin) && ($.additionalEventData.MFAUsed !=Yes)}", matches: [0, 2, 3] },
    ],
    inferred: "the pages print the patterns only; events written",
  },
  {
    source: SOURCES.VPC_FLOW,
    section: "Search flow log records; Example: metric filter and alarm for rejected SSH (records: VPC_RECORDS's first five, the rest written)",
    messages: FLOW,
    rows: [
      { pattern: "[version, accountid, interfaceid, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action, logstatus]", matches: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
      { pattern: '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]', matches: [5] },
      { pattern: "[version, accountid, interfaceid, srcaddr = 10.0.0.1, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action, logstatus]", matches: [6] },
      { pattern: "[version, accountid, interfaceid, srcaddr = 10.0.2.*, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action, logstatus]", matches: [7] },
      { pattern: "[version, accountid, interfaceid, srcaddr, dstaddr, srcport, dstport = 80 || dstport = 8080, protocol, packets, bytes, start, end, action, logstatus]", matches: [6, 7, 8] },
      { pattern: "[version, accountid, interfaceid, srcaddr, dstaddr, srcport, dstport = 80 || dstport = 8080, protocol, packets, bytes >= 400, start, end, action = REJECT, logstatus]", matches: [7] },
    ],
    inferred: "the pages print the patterns and the records separately; which record each condition selects follows from the fields",
  },
  {
    source: SOURCES.REGEX,
    section: "%AUTHORIZED% returns both example events",
    messages: ["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST", "[ERROR 400] BAD REQUEST"],
    rows: [{ pattern: "%AUTHORIZED%", matches: [0, 1], inferred: "the third event (no AUTHORIZED) is written" }],
  },
  {
    source: SOURCES.REGEX,
    section: "Usage of supported operators: ^ anchors at the start, $ at the end, ? makes the previous character optional",
    messages: ["hat", "cat", "that", "cat nap", "the hat", "color", "colour", "colr"],
    rows: [
      { pattern: "%^[hc]at%", matches: [0, 1, 3] },
      { pattern: "%[hc]at$%", matches: [0, 1, 2, 4] },
      { pattern: "%colou?r%", matches: [5, 6] },
    ],
    inferred: "the page gives the words matched; the other events are written",
  },
  {
    source: SOURCES.REGEX,
    section: "Usage of supported operators: [] character classes and ranges, {m,n}",
    messages: ["a", "b", "c", "x", "y", "w", "ABC", "aa", "aaa", "aaaa", "aaaaa"],
    rows: [
      { pattern: "%[abc]%", matches: [0, 1, 2, 7, 8, 9, 10] },
      { pattern: "%[a-z]%", matches: [0, 1, 2, 3, 4, 5, 7, 8, 9, 10] },
      { pattern: "%[abcx-z]%", matches: [0, 1, 2, 3, 4, 7, 8, 9, 10] },
      { pattern: "%a{3,5}%", matches: [8, 9, 10] },
    ],
    inferred: "the page gives the characters each class matches; the events are written",
  },
  {
    source: SOURCES.REGEX,
    section: "introduction: the IP address and Error/Fail examples",
    messages: ["from 10.0.12.255 port 22", "from host-a port 22", "Error: disk", "error: disk", "Fail over", "fail over", "FAIL"],
    rows: [
      { pattern: "%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", matches: [0] },
      { pattern: "%[Ee]rror|[Ff]ail%", matches: [2, 3, 4, 5] },
    ],
    inferred: "the page says what each matches; the events are written",
  },
  {
    source: `${SOURCES.REGEX} (operator examples as the cthfm-aws gitbook summary of the page quotes them)`,
    section: "| is OR (%gray|grey%); \\ escapes (%10\\.10\\.0\\.1% matches the IP address)",
    messages: ["gray", "grey", "greay", "10.10.0.1", "10x10x0x1"],
    rows: [
      { pattern: "%gray|grey%", matches: [0, 1] },
      { pattern: "%10\\.10\\.0\\.1%", matches: [3] },
    ],
    inferred: "third-party summary of the page; events written",
  },
  {
    source: SOURCES.LIGHTSAIL,
    section: "filterPattern examples",
    messages: ["ERROR Exception in thread", "ERROR timeout", "Exception caught", "all good"],
    rows: [
      { pattern: "-ERROR", matches: [2, 3] },
      { pattern: "?ERROR ?Exception", matches: [0, 1, 2] },
    ],
    inferred: "the reference says what each returns; the events are written",
  },
  {
    source: SOURCES.LIVE_TAIL,
    section: "logEventFilterPattern: 'a filter pattern of error 404 causes only log events that include both error and 404'",
    messages: ["error 404 not found", "404 error", "error 500", "GET / 404"],
    rows: [{ pattern: "error 404", matches: [0, 1] }],
    inferred: "the reference says what it returns; the events are written",
  },
  {
    source: SOURCES.CLOUDASH_84,
    section: "searching for a request id: unquoted, its hyphens start exclusions",
    messages: ["START RequestId: request-id-123-something Version: $LATEST", "END RequestId: request-id-456-other", "request only"],
    rows: [
      { pattern: "request-id-123-something", matches: [2], inferred: "the report records the empty answer for events holding the id; that 'request only' (request, and none of id, 123, something) matches follows from the reading" },
      { pattern: '"request-id-123-something"', matches: [0] },
    ],
  },
  {
    source: SOURCES.AWSLOGS_381,
    section: "filtering for a thread name with hyphens",
    messages: ["[ORDER-ITEM-1] order accepted", "[ORDER-ITEM-2] order accepted", "ORDER placed"],
    rows: [
      { pattern: "ORDER-ITEM-1", matches: [2], inferred: "the report records that the ORDER-ITEM-1 lines do not come back; 'ORDER placed' follows from reading it as ORDER -ITEM -1" },
      { pattern: '"ORDER-ITEM-1"', matches: [0] },
    ],
  },
  {
    source: SOURCES.LOCALSTACK_FILTER,
    section: "simple word, multiple words, quoted phrase and JSON patterns over six plain events",
    messages: ["hello", "world", "hello world", "goodbye world", "hello cruela", "goodbye cruel world"],
    rows: [
      { pattern: "hello", matches: [0, 2, 4] },
      { pattern: "goodbye world", matches: [3, 5] },
      { pattern: '"hello cruel"', matches: [4] },
      { pattern: '{$.message = "hello"}', matches: [] },
    ],
    inferred: "the AWS-validated asserts check that each returned event holds the terms (the JSON pattern: that the call succeeds); that every such event comes back, and no JSON match among plain text, follow from the syntax page",
  },
  {
    source: SOURCES.NEWRELIC_36,
    section: "the default subscription filter pattern the issue asks for (Lambda REPORT lines, New Relic telemetry, timeouts)",
    messages: [
      "REPORT RequestId: 3e1f0b1c-0000-4000-8000-000000000000\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 38 MB",
      '[1,"NR_LAMBDA_MONITORING","H4sIAAAAAAAA"]',
      "2024-01-01T00:00:00.000Z 3e1f0b1c Task timed out after 3.00 seconds",
      "START RequestId: 3e1f0b1c-0000-4000-8000-000000000000 Version: $LATEST",
      "Task finished",
    ],
    rows: [{ pattern: '?REPORT ?NR_LAMBDA_MONITORING ?"Task timed out"', matches: [0, 1, 2] }],
    inferred: "the issue gives the pattern and what it is for; Lambda's log lines are written",
  },
  {
    source: SOURCES.CDK,
    section: "FilterPattern.allTerms / anyTerm / the quoted-terms test (patterns as the CDK renders them)",
    messages: ["foo bar baz", "baz bar foo", "foo bar", 'Then "foo" he said', "foo he said", "ERROR in MainThread", "MainThread ok", "WARN"],
    rows: [
      { pattern: '"foo" "bar" "baz"', matches: [0, 1] },
      { pattern: '"\\"foo\\" he said"', matches: [3] },
      { pattern: '"ERROR" "MainThread"', matches: [5] },
      { pattern: '?"ERROR" ?"MainThread"', matches: [5, 6] },
      { pattern: '"foo" "bar"', matches: [0, 1, 2], inferred: "anyTermGroup(['foo', 'bar']) renders one group without '?'" },
    ],
    inferred: "the CDK documents what each method matches ('all the strings given appear', 'any of the strings'); events written",
  },
  {
    source: SOURCES.CDK,
    section: "FilterPattern.stringValue / numberValue / all / any / booleanValue / isNull / notExists / exists (patterns as the CDK renders them)",
    messages: ['{"field": "value"}', '{"field": 300}', '{"field": 301}', '{"field": false}', '{"other": 1}', '{"component": "HttpServer", "error": true, "latency": 5}', '{"component": "HttpServer", "error": false, "latency": 1001}', '{"component": "Db", "error": true}', '{"latency": 12}'],
    rows: [
      { pattern: '{ $.field = "value" }', matches: [0] },
      { pattern: "{ $.field <= 300 }", matches: [1] },
      { pattern: '{ ($.field <= 300) && ($.field = "value") }', matches: [] },
      { pattern: '{ ($.field <= 300) || ($.field = "value") }', matches: [0, 1] },
      { pattern: "{ $.field IS FALSE }", matches: [3] },
      { pattern: "{ $.field IS TRUE }", matches: [] },
      { pattern: "{ $.field IS NULL }", matches: [] },
      { pattern: "{ $.field NOT EXISTS }", matches: [4, 5, 6, 7, 8] },
      { pattern: '{ ($.component = "HttpServer") && (($.error IS TRUE) || ($.latency > 1000)) }', matches: [5, 6] },
      { pattern: '{ $.latency = "*" }', matches: [5, 6, 8] },
    ],
    inferred: "the CDK documents what each method matches (exists(): 'matches if the field exists', field = *); events written",
  },
  {
    source: SOURCES.CDK,
    section: "FilterPattern.spaceDelimited(...).whereString / whereNumber (patterns as the CDK renders them)",
    messages: ["2024-01-01T00:00:00Z HttpServer GET / 500 12", "2024-01-01T00:00:00Z HttpServer 200 9", "2024-01-01T00:00:00Z Db 500 3", "a b 404 7", "a b 403 7", "a b 500 7"],
    rows: [
      { pattern: '[time, component = "HttpServer", ..., result_code != 200, latency]', matches: [0] },
      { pattern: '[..., status_code = "4*" && status_code != 403, bytes]', matches: [3] },
    ],
    inferred: "the CDK documents the restriction each method adds; events written (a quoted value keeps its * wildcard, as the CDK renders whereString('status_code', '=', '4*'))",
  },
];

export const INVALID: InvalidPattern[] = [
  { pattern: "%something!%", source: SOURCES.REGEX, why: "'%something!% would be rejected since ! is not supported'" },
  { pattern: "%(abc)%", source: SOURCES.REGEX, why: "'The ( and ) operators are not supported'", inferred: "the page states the rule; the pattern is ours" },
  { pattern: "%héllo%", source: SOURCES.REGEX, why: "'Multi-byte characters are not supported'", inferred: "the page states the rule; the pattern is ours" },
  { pattern: "{ $.a = %x% || $.b = %y% || $.c = %z% }", source: SOURCES.REGEX, why: "'a limit of 2 regex for each filter pattern when creating a delimited or JSON filter pattern'", inferred: "the page states the quota; the pattern is ours" },
  { pattern: "[a = %x%, b = %y%, c = %z%]", source: SOURCES.REGEX, why: "the 2-regex quota, space-delimited", inferred: "the page states the quota; the pattern is ours" },
  { pattern: "{ $.SomeObject IS NOT NULL }", source: SOURCES.SYNTAX_2023, why: "'The variables IS NOT and EXISTS currently aren't supported'" },
  { pattern: "{ $.SomeOtherObject EXISTS }", source: SOURCES.SYNTAX_2023, why: "'The variables IS NOT and EXISTS currently aren't supported'" },
  { pattern: "{ $.latency > abc }", source: SOURCES.SYNTAX_2020, why: "NUMERIC_OPERATOR takes a NUMBER", inferred: "the page states the grammar; the pattern is ours" },
  { pattern: "{ eventType = UpdateTrail }", source: SOURCES.SYNTAX_2020, why: "'Property selectors always start with dollar sign ($)'", inferred: "the page states the grammar; the pattern is ours" },
  { pattern: '{ $.eventType = "UpdateTrail"', source: SOURCES.SYNTAX_2020, why: "'The metric filter must be enclosed in curly braces { }'", inferred: "the page states the grammar; the pattern is ours" },
  { pattern: "[ip, user, username", source: SOURCES.SYNTAX_2020, why: "'the entire pattern enclosed in square brackets'", inferred: "the page states the grammar; the pattern is ours" },
  { pattern: "{ $.user = a@b }", source: SOURCES.SYNTAX_2020, why: "'Strings that have unicode and other characters such as @, $, \\ etc. must be enclosed in double quotes to be valid'", inferred: "the page states the rule; the pattern is ours" },
  { pattern: "[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]", source: SOURCES.DOCS_ISSUE_21, why: "the 2018 syntax page's own example: its condition names bytes, which the pattern has no field for" },
  { pattern: '{ status = "401" }', source: SOURCES.CDK_15047, why: "a selector must start with $" },
  { pattern: "{$.userIdentity.type = 'Root' && $.userIdentity.invokedBy NOT EXISTS && $.eventType != 'AwsServiceEvent'}", source: SOURCES.TERRAFORM_2945, why: "single quotes do not quote" },
  { pattern: '{"my":"json message"}', source: SOURCES.WATCHBOT_141, why: "a JSON document is no JSON pattern: no $ selector" },
  { pattern: '?"?REPORT ?NR_LAMBDA_MONITORING ?"Task timed out""', source: SOURCES.NEWRELIC_36, why: "a quoted term runs into the next word" },
];

/** Answers whose wording an operation's own report records (the service test sends each through that operation). */
export const RECORDED_ERRORS: { pattern: string; operation: "FilterLogEvents" | "PutSubscriptionFilter" | "TestMetricFilter"; message: string; source: string }[] = [
  { pattern: "[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]", operation: "FilterLogEvents", message: "Invalid filter pattern", source: SOURCES.DOCS_ISSUE_21 },
  { pattern: '{"my":"json message"}', operation: "FilterLogEvents", message: "Invalid filter pattern", source: SOURCES.WATCHBOT_141 },
  { pattern: '{$.kubernetes.namespace_name=abc', operation: "FilterLogEvents", message: "If a filter pattern starts with '{' it must end with '}'", source: SOURCES.AWSLOGS_210 },
  { pattern: '?"?REPORT ?NR_LAMBDA_MONITORING ?"Task timed out""', operation: "PutSubscriptionFilter", message: "Invalid subscription filter pattern", source: SOURCES.NEWRELIC_36 },
];

/** The text a pattern is counted under: whitespace that cannot matter (around operators and punctuation) dropped. */
export function patternKey(pattern: string): string {
  return pattern.trim().replace(/\s+/g, " ").replace(/ ?([{}()[\],=!<>&|]) ?/g, "$1");
}
