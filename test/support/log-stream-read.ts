import { GetLogEventsCommand, type CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";

/**
 * Every message of a log stream, oldest first: GetLogEvents from the head
 * until the forward token comes back unchanged, which is how AWS says the
 * end was reached. `send` wraps each call (a restart test retries them).
 */
export async function readStreamMessages(
  client: CloudWatchLogsClient,
  group: string,
  stream: string,
  send: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await send(() => client.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token })));
    out.push(...page.events!.map((e) => e.message!));
    if (page.nextForwardToken === token) return out;
    token = page.nextForwardToken;
  }
}
