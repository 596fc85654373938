/**
 * The fixed log corpus the Logs Insights table tests run over: application
 * logs (JSON and bracketed text), Lambda's START/END/REPORT lines, VPC flow
 * logs, Route 53 resolver queries and CloudTrail events, as AWS's sample
 * queries expect them.
 */
export const MIN = 60_000;

export interface CorpusEvent {
  logGroup: string;
  logStream: string;
  timestamp: number;
  message: string;
}


export const DEFAULT_GROUPS: Record<CorpusName, string> = { app: "/app/web", lambda: "/aws/lambda/orders", flow: "vpc-flow", dns: "/route53/zone", trail: "/cloudtrail" };

const APP: [string, number, object | string][] = [
  ["web-1", 0, { level: "INFO", status: 200, latency: 120, path: "/home", user: { id: "alice", role: "admin" }, ip: "192.0.2.10", tags: ["x", "y"] }],
  ["web-2", 1, { level: "ERROR", status: 500, latency: 900, path: "/api/orders", user: { id: "bob", role: "user" }, ip: "192.0.2.77", msg: "NullPointerException at Orders" }],
  ["web-1", 2, { level: "WARN", status: 404, latency: 30, path: "/missing", user: { id: "alice", role: "admin" }, ip: "198.51.100.5" }],
  ["web-1", 3, { level: "INFO", status: 200, latency: 80, path: "/home", user: { id: "carol", role: "user" }, ip: "2001:db8::1" }],
  ["web-2", 4, { level: "ERROR", status: 503, latency: 1500, path: "/api/pay", user: { id: "bob", role: "user" }, ip: "192.0.2.77", msg: "Timeout calling bank" }],
  ["web-2", 5, { level: "INFO", status: 201, latency: 250, path: "/api/orders", user: { id: "dave", role: "user" }, ip: "203.0.113.9" }],
  ["web-1", 6, "[INFO] user=alice, method:GET, latency := 40"],
  ["web-1", 7, "[ERROR] user=bob, method:POST, latency := 300"],
  ["web-2", 8, "[INFO] user=alice, method:POST, latency := 60"],
  ["web-2", 9, "[DEBUG]   padded message   "],
];

export type CorpusName = "app" | "lambda" | "flow" | "dns" | "trail";

/**
 * The lookup tables the `lookup` cases join with (CreateLookupTable bodies):
 * `BOB` differs from `bob` only in case, and lookup matches exactly.
 */
export const LOOKUP_TABLES: Record<string, string> = {
  users: 'id,name,team\nalice,Alice Liddell,ops\nbob,Bob Builder,payments\nBOB,Uppercase Bob,none\ncarol,"Carol, the Admin",web\n',
  http_codes: "code,reason\r\n200,OK\r\n404,Not Found\r\n500,Internal Server Error\r\n503,Service Unavailable\r\n",
  paths: "path,level\n/api/pay,CRITICAL\n",
  grants: "role,path,allowed\nadmin,/home,yes\nuser,/api/orders,yes\nuser,/home,yes\nuser,/api/pay,no\n",
};

/** The corpus with its first event at `t0`, in the log groups `groups` names. */
export function buildCorpus(t0: number, groups: Record<CorpusName, string> = DEFAULT_GROUPS): Record<CorpusName, CorpusEvent[]> {
  const at = (minutes: number, seconds = 0) => t0 + minutes * MIN + seconds * 1000;
  return {
  app: APP.map(([logStream, m, body]) => ({
    logGroup: groups.app,
    logStream,
    timestamp: at(m),
    message: typeof body === "string" ? body : JSON.stringify(body),
  })),
  lambda: [
    [0, 0, "START RequestId: 11111111-aaaa Version: $LATEST"],
    [0, 1, "REPORT RequestId: 11111111-aaaa\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.50 ms"],
    [1, 0, "END RequestId: 22222222-bbbb"],
    [6, 0, "REPORT RequestId: 22222222-bbbb\tDuration: 300.75 ms\tBilled Duration: 301 ms\tMemory Size: 128 MB\tMax Memory Used: 90 MB"],
    [7, 0, '2026-12-06T09:07:00.000Z\t33333333-cccc\tERROR\tInvoke Error {"errorType":"Error"}'],
    [8, 0, "REPORT RequestId: 33333333-cccc\tDuration: 20.00 ms\tBilled Duration: 21 ms\tMemory Size: 256 MB\tMax Memory Used: 100 MB"],
  ].map(([m, s, message]) => ({ logGroup: groups.lambda, logStream: "2026/12/06/[$LATEST]abc", timestamp: at(m as number, s as number), message: message as string })),
  flow: [
    [0, "2 123456789012 eni-aaa 192.0.2.1 10.0.0.5 44321 443 6 10 5000 1796547600 1796547660 ACCEPT OK"],
    [1, "2 123456789012 eni-aaa 192.0.2.1 10.0.0.6 44322 53 17 2 300 1796547600 1796547660 ACCEPT OK"],
    [2, "2 123456789012 eni-bbb 198.51.100.7 10.0.0.5 5555 22 6 4 240 1796547600 1796547660 REJECT OK"],
    [3, "2 123456789012 eni-bbb 198.51.100.7 10.0.0.5 5556 22 6 3 180 1796547600 1796547660 REJECT OK"],
    [4, "2 123456789012 eni-ccc 203.0.113.3 10.0.0.6 6000 53 17 1 120 1796547600 1796547660 ACCEPT OK"],
    [90, "2 123456789012 eni-ccc - - - - - - - 1796553000 1796553060 NODATA SKIPDATA"],
  ].map(([m, message]) => ({ logGroup: groups.flow, logStream: "eni-all", timestamp: at(m as number), message: message as string })),
  dns: [
    [0, { queryName: "example.com", queryType: "A", responseCode: "NOERROR", resolverIp: "192.0.2.53" }],
    [20, { queryName: "api.example.com", queryType: "AAAA", responseCode: "SERVFAIL", resolverIp: "192.0.2.53" }],
    [70, { queryName: "example.com", queryType: "A", responseCode: "NOERROR", resolverIp: "198.51.100.53" }],
    [100, { queryName: "mail.example.com", queryType: "MX", responseCode: "SERVFAIL", resolverIp: "192.0.2.53" }],
  ].map(([m, body]) => ({ logGroup: groups.dns, logStream: "resolver", timestamp: at(m as number), message: JSON.stringify(body) })),
  trail: [
    [0, { eventSource: "ec2.amazonaws.com", eventName: "StartInstances", awsRegion: "us-east-2", userIdentity: { userName: "ops" } }],
    [10, { eventSource: "ec2.amazonaws.com", eventName: "StopInstances", awsRegion: "us-west-2" }],
    [20, { eventSource: "iam.amazonaws.com", eventName: "CreateUser", awsRegion: "us-east-1", requestParameters: { userName: "newbie" }, responseElements: { user: { arn: "arn:aws:iam::123456789012:user/newbie" } } }],
    [30, { eventSource: "cloudtrail.amazonaws.com", eventName: "UpdateTrail", awsRegion: "us-east-1", errorCode: "AccessDenied", errorMessage: "not allowed" }],
    [40, { eventSource: "ec2.amazonaws.com", eventName: "StartInstances", awsRegion: "us-east-2" }],
  ].map(([m, body]) => ({ logGroup: groups.trail, logStream: "trail", timestamp: at(m as number), message: JSON.stringify(body) })),
  };
}

export type Row = Record<string, string>;
export type InsightsCase = [CorpusName, string, Row[]];

/**
 * The table: [corpus, query, expected rows (without @ptr)]. `now` (ms) is
 * when the query runs; the cases that depend on it (and on ingestion times)
 * are left out without it.
 */
export function insightsCases(t0: number, account: string, groups: Record<CorpusName, string> = DEFAULT_GROUPS, now?: number): InsightsCase[] {
  const ts = (minutes: number, ms = 0) => new Date(t0 + minutes * MIN + ms).toISOString().replace("T", " ").replace("Z", "");
  const app = buildCorpus(t0, groups).app;
  const msg = (i: number) => app[i].message;
  const T0 = t0;
  const ACCOUNT = account;
  const cases: InsightsCase[] = [
  // --- Sample queries: general (CWL_QuerySyntax-examples.html)
  ["app", "fields @timestamp, @message | sort @timestamp desc | limit 25", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => ({ "@timestamp": ts(i), "@message": msg(i) }))],
  ["app", "filter @message like /Exception/ | stats count(*) as exceptionCount by bin(1h) | sort exceptionCount desc", [{ "bin(1h)": ts(0), exceptionCount: "1" }]],
  ["app", "fields @message | filter @message not like /Exception/", [9, 8, 7, 6, 5, 4, 3, 2, 0].map((i) => ({ "@message": msg(i) }))],
  ["app", "stats count(*) by @logStream", [{ "@logStream": "web-1", "count(*)": "5" }, { "@logStream": "web-2", "count(*)": "5" }]],
  ["app", "stats count(*) by @logStream | limit 1", [{ "@logStream": "web-1", "count(*)": "5" }]],
  ["app", "filter ispresent(path) | stats count(*) by path | sort count(*) desc, path asc | limit 2", [{ path: "/api/orders", "count(*)": "2" }, { path: "/home", "count(*)": "2" }]],
  // --- filter: comparisons, and/or/not, like, =~, in (CWL_QuerySyntax-Filter.html)
  ["app", 'filter level = "ERROR" | stats count(*) as errors', [{ errors: "2" }]],
  ["app", "filter status >= 500 | fields path, status | sort status desc", [{ path: "/api/pay", status: "503" }, { path: "/api/orders", status: "500" }]],
  ["app", "filter status = 200 | fields user.id", [{ "user.id": "carol" }, { "user.id": "alice" }]],
  ["app", "filter status != 200 and ispresent(status) | fields status", [{ status: "201" }, { status: "503" }, { status: "404" }, { status: "500" }]],
  ["app", "filter status in [404, 503] | fields path", [{ path: "/api/pay" }, { path: "/missing" }]],
  ["app", "filter status not in [200, 201] | fields status", [{ status: "503" }, { status: "404" }, { status: "500" }]],
  ["app", 'filter level like "ERR" | fields level', [{ level: "ERROR" }, { level: "ERROR" }]],
  ["app", "filter level =~ /^W/ | fields path", [{ path: "/missing" }]],
  ["app", "filter @message like /(?i)timeout/ | fields msg", [{ msg: "Timeout calling bank" }]],
  ["app", "filter @message like /timeout/ | fields msg", []],
  ["app", "filter latency > 100 and latency < 1000 | fields latency | sort latency", [{ latency: "120" }, { latency: "250" }, { latency: "900" }]],
  ["app", "filter latency <= 80 | fields latency | sort latency asc", [{ latency: "30" }, { latency: "80" }]],
  ["app", 'filter level = "ERROR" or status = 404 | fields status | sort status', [{ status: "404" }, { status: "500" }, { status: "503" }]],
  ["app", 'filter not (level = "INFO") and ispresent(level) | fields level | sort @timestamp', [{ level: "ERROR" }, { level: "WARN" }, { level: "ERROR" }]],
  ["app", 'filter (status = 200 or status = 201) and user.role = "user" | fields user.id', [{ "user.id": "dave" }, { "user.id": "carol" }]],
  ["app", "fields @timestamp, level | filter ispresent(level) | sort @timestamp asc | limit 2", [{ "@timestamp": ts(0), level: "INFO" }, { "@timestamp": ts(1), level: "ERROR" }]],
  ["app", "fields level | limit 3", [{}, {}, {}]],
  ["app", "filter ispresent(msg) | fields msg", [{ msg: "Timeout calling bank" }, { msg: "NullPointerException at Orders" }]],
  ["app", "filter isempty(msg) | stats count(*)", [{ "count(*)": "8" }]],
  ["app", "filter isblank(level) | stats count(*)", [{ "count(*)": "4" }]],
  ["app", "fields f1, f2, f3 | filter @message like /Exception/", [{}]],
  ["app", "fields f1 | filter status like /2\\d\\d/ | stats count(*)", [{ "count(*)": "3" }]],
  ["app", "filter @message =~ /^(?i)\\[debug\\]/ | stats count(*)", [{ "count(*)": "1" }]],
  // --- stats: aggregate functions (CWL_QuerySyntax-Stats.html)
  ["app", "stats count(level), count(*), count_distinct(level)", [{ "count(level)": "6", "count(*)": "10", "count_distinct(level)": "3" }]],
  ["app", "stats sum(latency), avg(latency), min(latency), max(latency)", [{ "sum(latency)": "2880", "avg(latency)": "480", "min(latency)": "30", "max(latency)": "1500" }]],
  ["app", "filter ispresent(level) | stats avg(latency) by level", [{ level: "INFO", "avg(latency)": "150" }, { level: "ERROR", "avg(latency)": "1200" }, { level: "WARN", "avg(latency)": "30" }]],
  ["app", "stats max(latency) as maxLatency by user.id | sort maxLatency desc | limit 2", [{ "user.id": "bob", maxLatency: "1500" }, { "user.id": "dave", maxLatency: "250" }]],
  ["app", "stats pct(latency, 50) as p50, pct(latency, 90) as p90", [{ p50: "120", p90: "1500" }]],
  ["app", "stats stddev(latency)", [{ "stddev(latency)": String(Math.sqrt(1761800 / 5)) }]],
  ["app", "stats earliest(path), latest(path)", [{ "earliest(path)": "/home", "latest(path)": "/api/orders" }]],
  ["app", "stats sortsFirst(path), sortsLast(path)", [{ "sortsFirst(path)": "/api/orders", "sortsLast(path)": "/missing" }]],
  ["app", "stats min(path), max(path)", [{ "min(path)": "/api/orders", "max(path)": "/missing" }]],
  ["app", "stats earliest(@timestamp) as first, latest(@timestamp) as last", [{ first: ts(0), last: ts(9) }]],
  ["app", "stats count(*) by bin(5m)", [{ "bin(5m)": ts(0), "count(*)": "5" }, { "bin(5m)": ts(5), "count(*)": "5" }]],
  ["app", "stats count(*) by bin(2m) as t | sort t desc", [8, 6, 4, 2, 0].map((m) => ({ t: ts(m), "count(*)": "2" }))],
  ["app", "stats count(*) as c by @logStream, level | filter ispresent(level)", [
    { "@logStream": "web-1", level: "INFO", c: "2" },
    { "@logStream": "web-2", level: "ERROR", c: "2" },
    { "@logStream": "web-1", level: "WARN", c: "1" },
    { "@logStream": "web-2", level: "INFO", c: "1" },
  ]],
  ["app", "filter ispresent(level) | stats count(*) as c by level | stats count(*) as groups, sum(c) as total", [{ groups: "3", total: "6" }]],
  ["app", "filter ispresent(level) | stats count(*) as c by level | sort c desc | limit 1", [{ level: "INFO", c: "3" }]],
  ["app", "filter ispresent(level) | stats count(*) as c by level | stats max(c) as top", [{ top: "3" }]],
  ["app", "stats count(*) as c by level", [{ level: "INFO", c: "3" }, { level: "ERROR", c: "2" }, { level: "WARN", c: "1" }, { c: "4" }]],
  ["app", "filter ispresent(latency) | stats sum(latency) as total, count(*) as n | fields total / n as mean", [{ total: "2880", n: "6", mean: "480" }]],
  ["app", "stats avg (latency) by user.role | filter ispresent(user.role)", [{ "user.role": "admin", "avg (latency)": "75" }, { "user.role": "user", "avg (latency)": "682.5" }]],
  ["app", "filter ispresent(path) | stats count(*) as n, sum(latency) as total by path | sort total desc", [
    { path: "/api/pay", n: "1", total: "1500" },
    { path: "/api/orders", n: "2", total: "1150" },
    { path: "/home", n: "2", total: "200" },
    { path: "/missing", n: "1", total: "30" },
  ]],
  // --- parse: glob and regex (CWL_QuerySyntax-Parse.html)
  ["app", 'parse @message "[*] *" as loggingType, loggingMessage | filter loggingType = "ERROR" | display loggingMessage', [{ loggingMessage: "user=bob, method:POST, latency := 300" }]],
  ["app", 'fields @message | parse @message "[*] *" as loggingType, loggingMessage | filter loggingType = "ERROR" | display loggingMessage', [{ loggingMessage: "user=bob, method:POST, latency := 300" }]],
  ["app", 'parse @message "user=*, method:*, latency := *" as @user, @method, @latency | filter ispresent(@user) | stats avg(@latency) by @method, @user', [
    { "@method": "GET", "@user": "alice", "avg(@latency)": "40" },
    { "@method": "POST", "@user": "bob", "avg(@latency)": "300" },
    { "@method": "POST", "@user": "alice", "avg(@latency)": "60" },
  ]],
  ["app", "parse @message /\\[(?<lvl>[A-Z]+)\\]\\s+(?<rest>.*)/ | filter ispresent(lvl) | stats count(*) by lvl", [{ lvl: "INFO", "count(*)": "2" }, { lvl: "ERROR", "count(*)": "1" }, { lvl: "DEBUG", "count(*)": "1" }]],
  ["app", 'parse @message "latency := *" as lat | filter lat > 50 | fields lat | sort lat desc', [{ lat: "300" }, { lat: "60" }]],
  ["app", 'parse @message "[*]" as lvl | filter ispresent(lvl) | fields lvl', [{ lvl: "DEBUG" }, { lvl: "INFO" }, { lvl: "ERROR" }, { lvl: "INFO" }, { lvl: '"x","y"' }]],
  ["app", 'parse @message "user=*," as who | stats count_distinct(who)', [{ "count_distinct(who)": "2" }]],
  ["app", 'parse level "*R*" as a, b | filter ispresent(a) | fields a, b', [{ a: "E", b: "ROR" }, { a: "WA", b: "N" }, { a: "E", b: "ROR" }]],
  ["app", 'parse @message "[*] user=*, method:*, latency := *" as lvl, user, method, latency | filter method = "POST" | fields user, latency | sort latency', [{ user: "alice", latency: "60" }, { user: "bob", latency: "300" }]],
  ["app", "parse @message /method:(?<m>\\w+)/ | filter ispresent(m) | stats count(*) by m", [{ m: "GET", "count(*)": "1" }, { m: "POST", "count(*)": "2" }]],
  // --- dedup (CWL_QuerySyntax-Dedup.html)
  ["app", "fields user.id | filter ispresent(user.id) | dedup user.id", [{ "user.id": "dave" }, { "user.id": "bob" }, { "user.id": "carol" }, { "user.id": "alice" }]],
  ["app", "fields user.id, path | filter ispresent(path) | sort @timestamp asc | dedup path", [
    { "user.id": "alice", path: "/home" },
    { "user.id": "bob", path: "/api/orders" },
    { "user.id": "alice", path: "/missing" },
    { "user.id": "bob", path: "/api/pay" },
  ]],
  ["app", "filter ispresent(level) | dedup level | fields level", [{ level: "INFO" }, { level: "ERROR" }, { level: "WARN" }]],
  ["app", "fields level, user.role | filter ispresent(level) | dedup level, user.role | stats count(*)", [{ "count(*)": "4" }]],
  // --- fields with functions: string functions
  ["app", 'fields concat(level, ":", path) as lp | filter ispresent(lp) | sort @timestamp | limit 2', [{ lp: "INFO:/home" }, { lp: "ERROR:/api/orders" }]],
  ["app", "fields toupper(user.role) as r, tolower(level) as l | filter ispresent(r) | limit 1", [{ r: "USER", l: "info" }]],
  ["app", "fields strlen(path) as n | filter ispresent(n) | sort n desc | limit 1", [{ n: "11" }]],
  ["app", 'fields substr(path, 1, 3) as s | filter path = "/api/pay"', [{ s: "api" }]],
  ["app", 'fields substr(path, 5) as s | filter path = "/api/orders" | limit 1', [{ s: "orders" }]],
  ["app", 'fields replace(path, "/", "_") as p | filter path = "/api/orders" | limit 1', [{ p: "_api_orders" }]],
  ["app", 'fields strcontains(path, "api") as c | filter ispresent(path) | stats sum(c)', [{ "sum(c)": "3" }]],
  ["app", "fields trim(@message) as t | filter @message like /DEBUG/", [{ t: "[DEBUG]   padded message" }]],
  ["app", "fields ltrim(@message) as l, rtrim(@message) as r | filter @message like /DEBUG/", [{ l: msg(9), r: "[DEBUG]   padded message" }]],
  ["app", 'fields trim("xyZfooxyZ", "xyZ") as t | limit 1', [{ t: "foo" }]],
  ["app", 'fields ltrim("xyZfooxyZ", "xyZ") as t | limit 1', [{ t: "fooxyZ" }]],
  ["app", 'fields rtrim("xyZfooxyZ", "xyZ") as t | limit 1', [{ t: "xyZfoo" }]],
  ["app", 'fields substr("xyZfooxyZ", 3, 3) as t | limit 1', [{ t: "foo" }]],
  ["app", 'fields replace("foo", "o", "0") as t | limit 1', [{ t: "f00" }]],
  ["app", 'fields strlen("héllo") as n | limit 1', [{ n: "5" }]],
  ["app", 'filter strcontains(@message, "padded") | fields isempty(level) as e, isblank("  ") as b', [{ e: "1", b: "1" }]],
  // --- numeric operations and functions
  ["app", "fields abs(0 - latency) as a | filter ispresent(latency) | sort a desc | limit 1", [{ a: "1500" }]],
  ["app", "fields ceil(latency / 7) as c | filter latency = 30", [{ c: "5" }]],
  ["app", "fields floor(latency / 7) as f | filter latency = 30", [{ f: "4" }]],
  ["app", "fields greatest(latency, 500) as g | filter ispresent(latency) | sort @timestamp | limit 2", [{ g: "500" }, { g: "900" }]],
  ["app", "fields least(latency, 100) as l | filter ispresent(latency) | sort @timestamp | limit 3", [{ l: "100" }, { l: "100" }, { l: "30" }]],
  ["app", "fields log(status) as l | filter status = 200 | limit 1", [{ l: String(Math.log(200)) }]],
  ["app", "fields sqrt(latency) as s | filter latency = 900", [{ s: "30" }]],
  ["app", "fields latency * 2 + 1 as x | filter latency = 30", [{ x: "61" }]],
  ["app", "fields 2 ^ 3 as p, 10 % 3 as m | limit 1", [{ p: "8", m: "1" }]],
  ["app", "fields latency / 1000 as sec | filter latency = 1500", [{ sec: "1.5" }]],
  ["app", "fields (latency - 30) / 10 as x | filter latency = 80", [{ x: "5" }]],
  ["app", "fields -latency as n | filter latency = 30", [{ n: "-30" }]],
  ["app", "fields abs(myField) as AbsoluteValuemyField, latency | filter latency = 30", [{ latency: "30" }]],
  // --- general functions
  ["app", "fields coalesce(msg, path) as c | filter ispresent(path) | sort @timestamp | limit 2", [{ c: "/home" }, { c: "NullPointerException at Orders" }]],
  ["app", "fields ispresent(msg) as has | filter ispresent(path) | sort @timestamp | limit 2", [{ has: "0" }, { has: "1" }]],
  ["app", 'fields if(status >= 500, "bad", "ok") as health | filter ispresent(status) | stats count(*) by health', [{ health: "ok", "count(*)": "4" }, { health: "bad", "count(*)": "2" }]],
  // --- datetime functions
  ["app", "fields datefloor(@timestamp, 1h) as h | limit 1", [{ h: ts(0) }]],
  ["app", "fields dateceil(@timestamp, 1h) as h | sort @timestamp | limit 2", [{ h: ts(0) }, { h: ts(60) }]],
  ["app", "fields toMillis(@timestamp) as ms | sort @timestamp | limit 1", [{ ms: String(T0) }]],
  ["app", "fields fromMillis(toMillis(@timestamp) + 90000) as t | sort @timestamp | limit 1", [{ t: ts(1, 30_000) }]],
  ["app", "fields datefloor(@timestamp, 5m) as b | stats count(*) by b", [{ b: ts(0), "count(*)": "5" }, { b: ts(5), "count(*)": "5" }]],
  ["app", `filter toMillis(@timestamp) >= ${T0 + 8 * MIN} | stats count(*)`, [{ "count(*)": "2" }]],
  ["app", "stats count(*) by bin(1h) as hour", [{ hour: ts(0), "count(*)": "10" }]],
  ["app", "stats count(*) by bin(30s)", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((m) => ({ "bin(30s)": ts(m), "count(*)": "1" }))],
  ["app", "fields @logStream, @log | sort @timestamp | limit 1", [{ "@logStream": "web-1", "@log": `${ACCOUNT}:${groups.app}` }]],
  ["app", "fields @timestamp | filter @timestamp >= fromMillis(toMillis(@timestamp)) and level = \"WARN\"", [{ "@timestamp": ts(2) }]],
  ["app", `filter @timestamp >= "${ts(8)}" | stats count(*)`, [{ "count(*)": "2" }]],
  ["app", `filter @timestamp < "${new Date(t0 + MIN).toISOString()}" | fields @message`, [{ "@message": msg(0) }]],
  // --- IP address functions
  ["app", "filter isValidIp(ip) | stats count(*)", [{ "count(*)": "6" }]],
  ["app", "filter isValidIpV4(ip) | stats count(*)", [{ "count(*)": "5" }]],
  ["app", "filter isValidIpV6(ip) | fields ip", [{ ip: "2001:db8::1" }]],
  ["app", 'filter isIpInSubnet(ip, "192.0.2.0/24") | stats count(*) by ip', [{ ip: "192.0.2.10", "count(*)": "1" }, { ip: "192.0.2.77", "count(*)": "2" }]],
  ["app", 'filter isIpv4InSubnet(ip, "198.51.100.0/24") | fields user.id', [{ "user.id": "alice" }]],
  ["app", 'filter isIpv6InSubnet(ip, "2001:db8::/32") | fields user.id', [{ "user.id": "carol" }]],
  ["app", 'filter not isIpInSubnet(ip, "192.0.2.0/24") and isValidIp(ip) | fields ip | sort @timestamp', [{ ip: "198.51.100.5" }, { ip: "2001:db8::1" }, { ip: "203.0.113.9" }]],
  ["app", 'filter isIpv4InSubnet(ip, "2001:db8::/32") | stats count(*)', []],
  // --- JSON fields, unnest (CWL_QuerySyntax-Unnest.html)
  ["app", 'fields user.id, user.role | filter user.role = "admin" | sort @timestamp', [{ "user.id": "alice", "user.role": "admin" }, { "user.id": "alice", "user.role": "admin" }]],
  ["app", "fields tags.0, tags.1 | filter ispresent(tags.0)", [{ "tags.0": "x", "tags.1": "y" }]],
  ["app", "filter ispresent(tags) | unnest tags into tag | fields tag", [{ tag: "x" }, { tag: "y" }]],
  ["app", 'filter user.id = "bob" | stats count(*), sum(latency) by path', [{ path: "/api/orders", "count(*)": "1", "sum(latency)": "900" }, { path: "/api/pay", "count(*)": "1", "sum(latency)": "1500" }]],
  ["app", "fields `user.id` as u | filter ispresent(u) | limit 1", [{ u: "dave" }]],
  // --- sort (CWL_QuerySyntax-Sort.html)
  ["app", "fields user.id, latency | filter ispresent(latency) | sort user.id asc, latency desc", [
    { "user.id": "alice", latency: "120" },
    { "user.id": "alice", latency: "30" },
    { "user.id": "bob", latency: "1500" },
    { "user.id": "bob", latency: "900" },
    { "user.id": "carol", latency: "80" },
    { "user.id": "dave", latency: "250" },
  ]],
  ["app", "fields status | filter ispresent(status) | sort status desc, @timestamp desc | limit 3", [{ status: "503" }, { status: "500" }, { status: "404" }]],
  ["app", "fields path | filter ispresent(path) | sort path | limit 3", [{ path: "/api/orders" }, { path: "/api/orders" }, { path: "/api/pay" }]],
  ["app", "sort @timestamp asc | limit 2 | fields @message", [{ "@message": msg(0) }, { "@message": msg(1) }]],
  ["app", "fields latency | sort latency desc | limit 2", [{ latency: "1500" }, { latency: "900" }]],
  // --- display, unmask, limit / head, comments, quoting
  ["app", "fields path, status | display path | filter status = 404", [{ path: "/missing" }]],
  ["app", "display level | display path | filter ispresent(path) | limit 1", [{ path: "/api/orders" }]],
  ["app", 'unmask @message | filter level = "WARN" | fields path', [{ path: "/missing" }]],
  ["app", "fields unmask(path) as p | filter status = 404", [{ p: "/missing" }]],
  ["app", "fields level | filter ispresent(level) | head 2", [{ level: "INFO" }, { level: "ERROR" }]],
  ["app", 'filter level = "INFO" | limit 2 | fields user.id', [{ "user.id": "dave" }, { "user.id": "carol" }]],
  ["app", '# errors only\nFILTER level = "ERROR" | STATS count(*) AS n', [{ n: "2" }]],
  ["app", "filter level = 'ERROR' | stats count(*)", [{ "count(*)": "2" }]],
  ["app", 'filter level = "ERROR" # the bad ones\n| fields path # and where\n| sort path', [{ path: "/api/orders" }, { path: "/api/pay" }]],
  ["app", "filter (latency>2000)", []],
  ["app", 'filterIndex level = "WARN" | fields path', [{ path: "/missing" }]],
  ["app", `SOURCE logGroups(namePrefix: ["${groups.app}"]) | filter status = 404 | fields path`, [{ path: "/missing" }]],
  // --- pattern (CWL_QuerySyntax-Pattern.html: `pattern @message`, after filter, after parse, with sort).
  // Patterns come most events first, then by pattern; a token with a digit is <*>, as the page's
  // "[INFO] Request time: <*> ms" example; differing tokens of one shape become <*> (README, Logs Insights).
  ["app", "filter @message like /^\\[/ | pattern @message | display @pattern, @sampleCount, @ratio, @severityLabel", [
    { "@pattern": "[INFO] user=alice, method:<*>, latency := <*>", "@sampleCount": "2", "@ratio": "0.5", "@severityLabel": "INFO" },
    { "@pattern": "[DEBUG]   padded message   ", "@sampleCount": "1", "@ratio": "0.25", "@severityLabel": "DEBUG" },
    { "@pattern": "[ERROR] user=bob, method:POST, latency := <*>", "@sampleCount": "1", "@ratio": "0.25", "@severityLabel": "ERROR" },
  ]],
  ["app", 'filter @message like /^\\[/ | parse @message "user=*," as who | pattern who | sort @sampleCount asc | display @pattern, @sampleCount, @ratio', [
    { "@pattern": "bob", "@sampleCount": "1", "@ratio": String(1 / 3) },
    { "@pattern": "alice", "@sampleCount": "2", "@ratio": String(2 / 3) },
  ]],
  ["app", "pattern @message | filter @sampleCount = 2 | display @pattern, @severityLabel", [
    { "@pattern": "[INFO] user=alice, method:<*>, latency := <*>", "@severityLabel": "INFO" },
    // WARN and INFO lines of one shape share 8 of the first one's 12 constant tokens: one pattern, labelled by the more severe.
    { "@pattern": '{"level":"<*>","status":<*>,"latency":<*>,"path":"<*>","user":{"id":"<*>","role":"<*>"},"ip":"<*>"}', "@severityLabel": "WARN" },
    { "@pattern": '{"level":"ERROR","status":<*>,"latency":<*>,"path":"<*>","user":{"id":"bob","role":"user"},"ip":"<*>","msg":"<*> <*> <*>"}', "@severityLabel": "ERROR" },
  ]],
  ["lambda", "filter @message like /ERROR/ | pattern @message | display @pattern, @sampleCount, @severityLabel", [
    { "@pattern": '<*>\t<*>\tERROR\tInvoke Error {"errorType":"Error"}', "@sampleCount": "1", "@severityLabel": "ERROR" },
  ]],
  ["lambda", 'filter @type = "REPORT" | pattern @message | display @pattern, @sampleCount', [
    { "@pattern": "REPORT RequestId: <*>\tDuration: <*> ms\tBilled Duration: <*> ms\tMemory Size: <*> MB\tMax Memory Used: <*> MB", "@sampleCount": "2" },
    { "@pattern": "REPORT RequestId: <*>\tDuration: <*> ms\tBilled Duration: <*> ms\tMemory Size: <*> MB\tMax Memory Used: <*> MB\tInit Duration: <*> ms", "@sampleCount": "1" },
  ]],
  ["lambda", 'pattern @message | filter @severityLabel = "UNKNOWN" | stats count(*) as patterns, sum(@sampleCount) as events', [{ patterns: "4", events: "5" }]],
  ["lambda", 'filter @type = "END" | pattern @message | display @pattern, @tokens, @logSamples', [{
    "@pattern": "END RequestId: <*>",
    "@tokens": JSON.stringify([
      { isDynamic: false, tokenString: "END" },
      { isDynamic: false, tokenString: "RequestId" },
      { dynamicTokenPosition: 1, isDynamic: true, tokenString: "<*>", enumerations: { "22222222-bbbb": 1 }, inferredTokenName: "ID-1" },
    ]),
    "@logSamples": JSON.stringify([{ timestamp: t0 + MIN, logEvent: "END RequestId: 22222222-bbbb" }]),
  }]],
  ["flow", "pattern @message | sort @sampleCount desc | limit 2 | display @pattern, @sampleCount, @ratio", [
    // eni-aaa and eni-ccc ACCEPT lines share two of three constant tokens; the REJECT lines one.
    { "@pattern": "<*> <*> <*> <*> <*> <*> <*> <*> <*> <*> <*> <*> ACCEPT OK", "@sampleCount": "3", "@ratio": "0.5" },
    { "@pattern": "<*> <*> eni-bbb <*> <*> <*> <*> <*> <*> <*> <*> <*> REJECT OK", "@sampleCount": "2", "@ratio": String(2 / 6) },
  ]],
  // --- Lambda (Sample queries: Lambda)
  ["lambda", `filter @type = "REPORT"
    | stats max(@memorySize / 1024 / 1024) as provisonedMemoryMB,
      min(@maxMemoryUsed / 1024 / 1024) as smallestMemoryRequestMB,
      avg(@maxMemoryUsed / 1024 / 1024) as avgMemoryUsedMB,
      max(@maxMemoryUsed / 1024 / 1024) as maxMemoryUsedMB,
      provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB`,
    [{ provisonedMemoryMB: "256", smallestMemoryRequestMB: "70", avgMemoryUsedMB: String(260 / 3), maxMemoryUsedMB: "100", overProvisionedMB: "156" }]],
  ["lambda", 'filter @type = "REPORT" | stats avg(@duration), max(@duration), min(@duration) by bin(5m)', [
    { "bin(5m)": ts(0), "avg(@duration)": "102.25", "max(@duration)": "102.25", "min(@duration)": "102.25" },
    { "bin(5m)": ts(5), "avg(@duration)": "160.375", "max(@duration)": "300.75", "min(@duration)": "20" },
  ]],
  ["lambda", 'filter @type = "REPORT" | stats sum(@billedDuration) as billed, count(*) as invocations', [{ billed: "425", invocations: "3" }]],
  ["lambda", 'filter @type = "REPORT" and ispresent(@initDuration) | fields @requestId, @initDuration', [{ "@requestId": "11111111-aaaa", "@initDuration": "150.5" }]],
  ["lambda", "filter ispresent(@type) | stats count(*) by @type", [{ "@type": "START", "count(*)": "1" }, { "@type": "REPORT", "count(*)": "3" }, { "@type": "END", "count(*)": "1" }]],
  ["lambda", 'filter @message like /ERROR/ | parse @message "*\t*\tERROR\t*" as time, requestId, err | fields requestId', [{ requestId: "33333333-cccc" }]],
  ["lambda", 'filter @type = "REPORT" | fields @requestId, @maxMemoryUsed / @memorySize * 100 as pctUsed | sort pctUsed desc | limit 1', [{ "@requestId": "22222222-bbbb", pctUsed: "70.3125" }]],
  ["lambda", 'filter @type = "REPORT" | stats pct(@duration, 50) as p50', [{ p50: "102.25" }]],
  ["lambda", 'filter @type = "REPORT" | sort @duration desc | limit 1 | display @requestId, @duration', [{ "@requestId": "22222222-bbbb", "@duration": "300.75" }]],
  // --- VPC flow logs (Sample queries: Amazon VPC Flow Logs)
  ["flow", "stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15", [
    { srcAddr: "192.0.2.1", dstAddr: "10.0.0.5", packetsTransferred: "10" },
    { srcAddr: "198.51.100.7", dstAddr: "10.0.0.5", packetsTransferred: "7" },
    { srcAddr: "192.0.2.1", dstAddr: "10.0.0.6", packetsTransferred: "2" },
    { srcAddr: "203.0.113.3", dstAddr: "10.0.0.6", packetsTransferred: "1" },
    {},
  ]],
  ["flow", 'filter srcAddr = "192.0.2.1" | stats sum(bytes) as bytesTransferred by dstAddr | sort bytesTransferred desc | limit 15', [{ dstAddr: "10.0.0.5", bytesTransferred: "5000" }, { dstAddr: "10.0.0.6", bytesTransferred: "300" }]],
  ["flow", "filter protocol=17 | stats count(*) by srcAddr", [{ srcAddr: "192.0.2.1", "count(*)": "1" }, { srcAddr: "203.0.113.3", "count(*)": "1" }]],
  ["flow", 'filter logStatus="SKIPDATA" | stats count(*) by bin(1h) as t | sort t', [{ t: ts(60), "count(*)": "1" }]],
  ["flow", 'filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20', [{ srcAddr: "198.51.100.7", numRejections: "2" }]],
  ["flow", 'filter isIpv4InSubnet(srcAddr, "192.0.2.0/24") | stats sum(bytes) as bytes by dstPort', [{ dstPort: "443", bytes: "5000" }, { dstPort: "53", bytes: "300" }]],
  ["flow", 'filter dstPort = 22 and action = "REJECT" | stats count_distinct(srcPort) as ports, sum(packets) as pk', [{ ports: "2", pk: "7" }]],
  ["flow", "fields interfaceId, action | filter protocol = 6 | dedup interfaceId", [{ interfaceId: "eni-bbb", action: "REJECT" }, { interfaceId: "eni-aaa", action: "ACCEPT" }]],
  ["flow", "filter ispresent(bytes) | stats sum(bytes) / sum(packets) as bytesPerPacket", [{ bytesPerPacket: String(5840 / 20) }]],
  // --- Route 53 (Sample queries: Route 53)
  ["dns", "stats count(*) by queryType, bin(1h)", [
    { queryType: "A", "bin(1h)": ts(0), "count(*)": "1" },
    { queryType: "AAAA", "bin(1h)": ts(0), "count(*)": "1" },
    { queryType: "A", "bin(1h)": ts(60), "count(*)": "1" },
    { queryType: "MX", "bin(1h)": ts(60), "count(*)": "1" },
  ]],
  ["dns", "stats count(*) as numRequests by resolverIp | sort numRequests desc | limit 10", [{ resolverIp: "192.0.2.53", numRequests: "3" }, { resolverIp: "198.51.100.53", numRequests: "1" }]],
  ["dns", 'filter responseCode="SERVFAIL" | stats count(*) by queryName', [{ queryName: "api.example.com", "count(*)": "1" }, { queryName: "mail.example.com", "count(*)": "1" }]],
  // --- CloudTrail (Sample queries: CloudTrail)
  ["trail", "stats count(*) by eventSource, eventName, awsRegion", [
    { eventSource: "ec2.amazonaws.com", eventName: "StartInstances", awsRegion: "us-east-2", "count(*)": "2" },
    { eventSource: "ec2.amazonaws.com", eventName: "StopInstances", awsRegion: "us-west-2", "count(*)": "1" },
    { eventSource: "iam.amazonaws.com", eventName: "CreateUser", awsRegion: "us-east-1", "count(*)": "1" },
    { eventSource: "cloudtrail.amazonaws.com", eventName: "UpdateTrail", awsRegion: "us-east-1", "count(*)": "1" },
  ]],
  ["trail", 'filter (eventName="StartInstances" or eventName="StopInstances") and awsRegion="us-east-2" | fields eventName | sort @timestamp', [{ eventName: "StartInstances" }, { eventName: "StartInstances" }]],
  ["trail", 'filter eventName="CreateUser" | fields awsRegion, requestParameters.userName, responseElements.user.arn', [{ awsRegion: "us-east-1", "requestParameters.userName": "newbie", "responseElements.user.arn": "arn:aws:iam::123456789012:user/newbie" }]],
  ["trail", 'filter eventName="UpdateTrail" and ispresent(errorCode) | stats count(*) by errorCode, errorMessage', [{ errorCode: "AccessDenied", errorMessage: "not allowed", "count(*)": "1" }]],
  ["trail", "filter ispresent(userIdentity.userName) | fields userIdentity.userName as who", [{ who: "ops" }]],
  // --- lookup (CWL_QuerySyntax-Lookup.html: `lookup table lookup-field as log-field, ... OUTPUT output-field, ...`), tables in LOOKUP_TABLES
  ["app", "filter ispresent(user.id) | lookup users id as user.id OUTPUT name, team | fields user.id, name, team | sort @timestamp", [
    { "user.id": "alice", name: "Alice Liddell", team: "ops" },
    { "user.id": "bob", name: "Bob Builder", team: "payments" },
    { "user.id": "alice", name: "Alice Liddell", team: "ops" },
    { "user.id": "carol", name: "Carol, the Admin", team: "web" },
    { "user.id": "bob", name: "Bob Builder", team: "payments" },
    { "user.id": "dave" },
  ]],
  ['app', 'filter user.id = "carol" | lookup users id as user.id OUTPUT name, team', [{ "@timestamp": ts(3), "@message": msg(3), name: "Carol, the Admin", team: "web" }]],
  ["app", "lookup http_codes code as status OUTPUT reason | filter ispresent(reason) | stats count(*) as n by reason | sort n desc, reason asc", [
    { reason: "OK", n: "2" },
    { reason: "Internal Server Error", n: "1" },
    { reason: "Not Found", n: "1" },
    { reason: "Service Unavailable", n: "1" },
  ]],
  ["app", 'filter path = "/api/pay" | lookup paths path OUTPUT level | fields path, level', [{ path: "/api/pay", level: "CRITICAL" }]],
  ['app', 'filter user.id = "alice" | fields toupper(user.id) as who | lookup users id as who OUTPUT name | display who, name', [{ who: "ALICE" }, { who: "ALICE" }]],
  ["app", "filter ispresent(path) | lookup grants role as user.role, path OUTPUT allowed | fields path, allowed | sort @timestamp", [
    { path: "/home", allowed: "yes" },
    { path: "/api/orders", allowed: "yes" },
    { path: "/missing" },
    { path: "/home", allowed: "yes" },
    { path: "/api/pay", allowed: "no" },
    { path: "/api/orders", allowed: "yes" },
  ]],
  ["app", "lookup users id as user.id OUTPUT team | filter ispresent(team) | stats count(*) as n by team | sort team", [{ team: "ops", n: "2" }, { team: "payments", n: "2" }, { team: "web", n: "1" }]],
  ["app", "stats count(*) as n by user.id | lookup users id as user.id OUTPUT team | filter team = \"payments\"", [{ "user.id": "bob", n: "2", team: "payments" }]],
];
  // Cases that depend on when the query runs and when events were ingested (the pure test's clock: half a second after each event).
  if (now !== undefined) {
    cases.push(["app", "fields @ingestionTime | sort @timestamp | limit 1", [{ "@ingestionTime": ts(0, 500) }]]);
    cases.push(["app", "fields now() - toMillis(@timestamp) / 1000 as ageSec | sort @timestamp | limit 1", [{ ageSec: String(Math.floor(now / 1000) - t0 / 1000) }]]);
  }
  return cases;
}
