/**
 * purgeBelow (lib/storage/nats.ts) against a real nats-server: it removes a
 * subject filter's messages below a sequence and nothing else, including the
 * edge nats-server gets wrong: asked to purge below sequence 1, the server
 * removes every message on the filter (seen with nats-server 2.9; it lost the
 * first buffered log events of a partition when its compactor had nothing to purge),
 * and a stream emptied by purges forgetting its sequence when nats-server is
 * killed within seconds (it numbers new messages from 1 again).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { getNats, purgeBelow } from "../../lib/storage/nats.js";
import { retrying } from "../support/retrying.js";

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

  it("keeps the stream's last message, so a SIGKILL of nats-server right after cannot send the sequence back to 1", { timeout: 60_000 }, async () => {
    const { js, jsm } = await getNats();
    await jsm.streams.add({ name: "PURGE_K", subjects: ["keep.*"] });
    for (let i = 0; i < 8; i++) await js.publish(`keep.${i % 2}`, new Uint8Array([i])); // 1..8, 8 on keep.1
    const raw = (filter: string) => jsm.streams.purge("PURGE_K", { filter, seq: 9 });

    // What the server does with a stream purged empty: killed within seconds, it comes back at sequence 0.
    await jsm.streams.add({ name: "PURGE_E", subjects: ["empty.*"] });
    for (let i = 0; i < 8; i++) await js.publish(`empty.${i % 2}`, new Uint8Array([i]));
    for (const f of ["empty.0", "empty.1"]) await jsm.streams.purge("PURGE_E", { filter: f, seq: 9 });

    expect((await raw("keep.0")).purged).toBe(4);
    expect(await purgeBelow(jsm, "PURGE_K", "keep.1", 9)).toBe(3); // 2, 4, 6: not 8, the stream's last
    expect((await jsm.streams.info("PURGE_K")).state).toMatchObject({ messages: 1, last_seq: 8 });

    await servers.nats.stop("SIGKILL");
    await servers.startNats();
    const { js: js2, jsm: jsm2 } = await getNats();
    // The connection comes back on its own; JetStream may answer a moment later.
    const info = (name: string) => retrying(() => jsm2.streams.info(name), { timeoutMs: 30_000, pauseMs: 250 });
    expect((await info("PURGE_E")).state.last_seq).toBe(0); // the server's behaviour this guards against
    expect((await js2.publish("empty.0", new Uint8Array([1]))).seq).toBe(1);
    expect((await info("PURGE_K")).state.last_seq).toBe(8);
    expect((await js2.publish("keep.0", new Uint8Array([1]))).seq).toBe(9);
  });
});
