/**
 * purgeBelowNeeded (lib/storage/nats.ts) against a real nats-server: it
 * removes the whole stream below the first message some subject still needs
 * and nothing else, including the edges nats-server gets wrong: asked to
 * purge below sequence 1, the server removes everything (seen with
 * nats-server 2.9; it lost the first buffered log events of a partition when
 * its compactor had nothing to purge), and a stream emptied by purges
 * forgets its sequence when nats-server is killed within seconds (it numbers
 * new messages from 1 again).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServers, type TestServers } from "../support/servers.js";
import { getNats, purgeBelowNeeded } from "../../lib/storage/nats.js";
import { retrying } from "../support/retrying.js";

let servers: TestServers;
beforeAll(async () => (servers = await startTestServers("purge", { s3: false })));
afterAll(() => servers?.stop());

describe("purgeBelowNeeded", () => {
  it("removes every message below the first one a subject still needs, none when that is the stream's first", async () => {
    const { js, jsm } = await getNats();
    await jsm.streams.add({ name: "PURGE_T", subjects: ["purge.*.p.*"] });
    for (let i = 0; i < 3; i++) await js.publish("purge.a.p.3", new Uint8Array([i])); // 1, 2, 3
    await js.publish("purge.a.p.2", new Uint8Array([9])); // 4
    await js.publish("purge.a.p.3", new Uint8Array([9])); // 5
    const left = async () => (await jsm.streams.info("PURGE_T")).state;
    const p3 = "purge.*.p.3";
    const p2 = "purge.*.p.2";

    // The server's own answer to sequence 1 is "everything": purgeBelowNeeded does not ask.
    expect(await purgeBelowNeeded(jsm, "PURGE_T", [{ subject: p3, from: 1 }])).toBe(0);
    expect(await purgeBelowNeeded(jsm, "PURGE_T", [{ subject: p3, from: 0 }])).toBe(0);
    expect((await left()).messages).toBe(5);

    // p.3 needs 3 on, p.2 needs 4 on: 1 and 2 go, of either subject.
    expect(await purgeBelowNeeded(jsm, "PURGE_T", [{ subject: p3, from: 3 }, { subject: p2, from: 1 }])).toBe(2);
    expect(await left()).toMatchObject({ messages: 3, first_seq: 3 });
    // p.2 needs 4 on: 3 goes although p.3 needs nothing below 5.
    expect(await purgeBelowNeeded(jsm, "PURGE_T", [{ subject: p3, from: 5 }, { subject: p2, from: 4 }])).toBe(1);
    expect((await jsm.streams.getMessage("PURGE_T", { seq: 4 })).subject).toBe("purge.a.p.2");
    expect((await jsm.streams.getMessage("PURGE_T", { seq: 5 })).subject).toBe("purge.a.p.3");
  });

  it("keeps the stream's last message, so a SIGKILL of nats-server right after cannot send the sequence back to 1", { timeout: 60_000 }, async () => {
    const { js, jsm } = await getNats();
    await jsm.streams.add({ name: "PURGE_K", subjects: ["keep.*"] });
    for (let i = 0; i < 8; i++) await js.publish(`keep.${i % 2}`, new Uint8Array([i])); // 1..8, 8 on keep.1

    // What the server does with a stream purged empty: killed within seconds, it comes back at sequence 0.
    await jsm.streams.add({ name: "PURGE_E", subjects: ["empty.*"] });
    for (let i = 0; i < 8; i++) await js.publish(`empty.${i % 2}`, new Uint8Array([i]));
    for (const f of ["empty.0", "empty.1"]) await jsm.streams.purge("PURGE_E", { filter: f, seq: 9 });

    // Nothing is needed any more: all but 8, the stream's last, go.
    expect(await purgeBelowNeeded(jsm, "PURGE_K", [{ subject: "keep.0", from: 9 }, { subject: "keep.1", from: 9 }])).toBe(7);
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
