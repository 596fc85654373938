/**
 * purgeBelow (lib/storage/nats.ts) against a real nats-server: it removes a
 * subject filter's messages below a sequence and nothing else, including the
 * edge nats-server gets wrong: asked to purge below sequence 1, the server
 * removes every message on the filter (seen with nats-server 2.9; it lost the
 * first buffered log events of a partition when its compactor had nothing to purge).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { getNats, purgeBelow } from "../../lib/storage/nats.js";

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("purge", { s3: false })));
afterAll(() => servers?.stop());

describe("purgeBelow", () => {
  it("removes only the filter's messages below the sequence, and none when asked for below 1", async () => {
    const { js, jsm } = await getNats();
    await jsm.streams.add({ name: "PURGE_T", subjects: ["purge.*.p.*"] });
    for (let i = 0; i < 3; i++) await js.publish("purge.a.p.3", new Uint8Array([i])); // 1, 2, 3
    await js.publish("purge.a.p.2", new Uint8Array([9])); // 4
    const left = async () => (await jsm.streams.info("PURGE_T")).state.messages;

    // The server's own answer to sequence 1 is "everything on the filter": purgeBelow does not ask.
    expect(await purgeBelow(jsm, "PURGE_T", "purge.*.p.3", 1)).toBe(0);
    expect(await purgeBelow(jsm, "PURGE_T", "purge.*.p.3", 0)).toBe(0);
    expect(await left()).toBe(4);

    expect(await purgeBelow(jsm, "PURGE_T", "purge.*.p.3", 3)).toBe(2);
    expect(await left()).toBe(2);
    const rest = await jsm.streams.getMessage("PURGE_T", { seq: 3 });
    expect(rest.subject).toBe("purge.a.p.3");
    expect((await jsm.streams.getMessage("PURGE_T", { seq: 4 })).subject).toBe("purge.a.p.2");
  });
});
