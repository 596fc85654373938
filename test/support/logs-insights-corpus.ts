/**
 * The fixed log corpus the Logs Insights table tests run over: application
 * logs (JSON and bracketed text), Lambda's START/END/REPORT lines, VPC flow
 * logs, Route 53 resolver queries and CloudTrail events, as AWS's sample
 * queries expect them.
 */
export const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
export const MIN = 60_000;
export const ACCOUNT = "123456789012";

export interface CorpusEvent {
  logGroup: string;
  logStream: string;
  timestamp: number;
  message: string;
}

const at = (minutes: number, seconds = 0) => T0 + minutes * MIN + seconds * 1000;

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

export const CORPUS: Record<string, CorpusEvent[]> = {
  app: APP.map(([logStream, m, body]) => ({
    logGroup: "/app/web",
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
  ].map(([m, s, message]) => ({ logGroup: "/aws/lambda/orders", logStream: "2026/12/06/[$LATEST]abc", timestamp: at(m as number, s as number), message: message as string })),
  flow: [
    [0, "2 123456789012 eni-aaa 192.0.2.1 10.0.0.5 44321 443 6 10 5000 1796547600 1796547660 ACCEPT OK"],
    [1, "2 123456789012 eni-aaa 192.0.2.1 10.0.0.6 44322 53 17 2 300 1796547600 1796547660 ACCEPT OK"],
    [2, "2 123456789012 eni-bbb 198.51.100.7 10.0.0.5 5555 22 6 4 240 1796547600 1796547660 REJECT OK"],
    [3, "2 123456789012 eni-bbb 198.51.100.7 10.0.0.5 5556 22 6 3 180 1796547600 1796547660 REJECT OK"],
    [4, "2 123456789012 eni-ccc 203.0.113.3 10.0.0.6 6000 53 17 1 120 1796547600 1796547660 ACCEPT OK"],
    [90, "2 123456789012 eni-ccc - - - - - - - 1796553000 1796553060 NODATA SKIPDATA"],
  ].map(([m, message]) => ({ logGroup: "vpc-flow", logStream: "eni-all", timestamp: at(m as number), message: message as string })),
  dns: [
    [0, { queryName: "example.com", queryType: "A", responseCode: "NOERROR", resolverIp: "192.0.2.53" }],
    [20, { queryName: "api.example.com", queryType: "AAAA", responseCode: "SERVFAIL", resolverIp: "192.0.2.53" }],
    [70, { queryName: "example.com", queryType: "A", responseCode: "NOERROR", resolverIp: "198.51.100.53" }],
    [100, { queryName: "mail.example.com", queryType: "MX", responseCode: "SERVFAIL", resolverIp: "192.0.2.53" }],
  ].map(([m, body]) => ({ logGroup: "/route53/zone", logStream: "resolver", timestamp: at(m as number), message: JSON.stringify(body) })),
  trail: [
    [0, { eventSource: "ec2.amazonaws.com", eventName: "StartInstances", awsRegion: "us-east-2", userIdentity: { userName: "ops" } }],
    [10, { eventSource: "ec2.amazonaws.com", eventName: "StopInstances", awsRegion: "us-west-2" }],
    [20, { eventSource: "iam.amazonaws.com", eventName: "CreateUser", awsRegion: "us-east-1", requestParameters: { userName: "newbie" }, responseElements: { user: { arn: "arn:aws:iam::123456789012:user/newbie" } } }],
    [30, { eventSource: "cloudtrail.amazonaws.com", eventName: "UpdateTrail", awsRegion: "us-east-1", errorCode: "AccessDenied", errorMessage: "not allowed" }],
    [40, { eventSource: "ec2.amazonaws.com", eventName: "StartInstances", awsRegion: "us-east-2" }],
  ].map(([m, body]) => ({ logGroup: "/cloudtrail", logStream: "trail", timestamp: at(m as number), message: JSON.stringify(body) })),
};
