/**
 * The reader reports only on change plus a slow heartbeat; a refused body waits for a change or the
 * heartbeat; a failed delivery is tried again at the next scan. Time is a fake clock the loop's delay
 * advances, so no test waits for real.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runReaderLoop, type ScanEvent } from "../../agents/src/node-reader/loop.js";
import type { SendOutcome } from "../../agents/src/node-reader/send.js";
import { silentLogger } from "../../agents/src/ops/log.js";
import type { NodeListeners, ObservedListener } from "../../src/contract/listeners.js";
import { writeProcFixture } from "./helpers/proc-fixture.js";

const work = mkdtempSync(join(tmpdir(), "node-reader-loop-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const listener = (port: number, address = "0.0.0.0"): ObservedListener => ({
  protocol: "TCP",
  address,
  family: 4,
  port,
  scope: address === "0.0.0.0" ? "wildcard" : "loopback",
  processes: [],
});

const SCAN = 15_000;
const HEARTBEAT = 60_000;

/**
 * Runs the loop for as many scans as `steps` has entries: before scan i, steps[i] runs (it may change
 * the fixture); each send answers with the next outcome of `outcomes` (sent when they run out).
 */
async function runScans(
  name: string,
  steps: ((root: string) => void)[],
  outcomes: SendOutcome["kind"][] = [],
): Promise<{ events: ScanEvent[]; sent: { at: number; report: NodeListeners }[] }> {
  const root = join(work, name);
  let now = Date.parse("2026-01-01T00:00:00Z");
  const events: ScanEvent[] = [];
  const sent: { at: number; report: NodeListeners }[] = [];
  const stop = new AbortController();
  steps[0]?.(root);
  await runReaderLoop(
    {
      scan: { procRoot: root, node: "worker-1", attribution: "none", byteOrder: "little" },
      scanMs: SCAN,
      heartbeatMs: HEARTBEAT,
      clock: { now: () => new Date(now) },
      delay: async (ms) => {
        now += ms;
        steps[events.length]?.(root);
      },
      logger: silentLogger,
      send: async (report) => {
        sent.push({ at: now, report });
        const kind = outcomes.shift() ?? "sent";
        if (kind === "sent") return { kind, attempts: 1 };
        if (kind === "refused") return { kind, status: 400, reason: "bad" };
        return { kind, attempts: 5, reason: "HTTP 503" };
      },
      onScan: (event) => {
        events.push(event);
        if (events.length >= steps.length) stop.abort();
      },
    },
    stop.signal,
  );
  return { events, sent };
}

const same = () => {};
const kinds = (events: ScanEvent[]) => events.map((e) => e.kind);

describe("the reader's loop", () => {
  it("sends the first scan, then nothing while nothing changes, then a heartbeat", async () => {
    const write = (root: string) => writeProcFixture(root, [listener(22)]);
    // Scans at 0, 15, 30, 45 and 60 s: the heartbeat (60 s) falls on the fifth.
    const { events, sent } = await runScans("steady", [write, same, same, same, same]);
    expect(kinds(events)).toEqual(["change", "unchanged", "unchanged", "unchanged", "heartbeat"]);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.report).toEqual(sent[0]?.report);
  });

  it("sends at once when a listener appears, and the heartbeat counts from that report", async () => {
    const first = (root: string) => writeProcFixture(root, [listener(22)]);
    const more = (root: string) => writeProcFixture(root, [listener(22), listener(29103, "127.0.0.1")]);
    const { events, sent } = await runScans("new-listener", [first, same, more, same, same, same, same]);
    expect(kinds(events)).toEqual([
      "change",
      "unchanged",
      "change",
      "unchanged",
      "unchanged",
      "unchanged",
      "heartbeat",
    ]);
    expect(sent[1]?.report.listeners.map((l) => l.port)).toEqual([22, 29103]);
  });

  it("sends when a listener goes away", async () => {
    const two = (root: string) => writeProcFixture(root, [listener(22), listener(111)]);
    const one = (root: string) => writeProcFixture(root, [listener(22)]);
    const { events, sent } = await runScans("gone", [two, one]);
    expect(kinds(events)).toEqual(["change", "change"]);
    expect(sent[1]?.report.listeners.map((l) => l.port)).toEqual([22]);
  });

  it("does not send a refused body again until the heartbeat, but sends a changed one", async () => {
    const write = (root: string) => writeProcFixture(root, [listener(22)]);
    const { events } = await runScans("refused", [write, same, same, same, same], ["refused"]);
    expect(kinds(events)).toEqual(["change", "refused-again", "refused-again", "refused-again", "change"]);
    const changed = (root: string) => writeProcFixture(root, [listener(22), listener(23)]);
    const again = await runScans("refused-then-change", [write, same, changed], ["refused"]);
    expect(kinds(again.events)).toEqual(["change", "refused-again", "change"]);
  });

  it("tries a failed delivery again at the next scan", async () => {
    const write = (root: string) => writeProcFixture(root, [listener(22)]);
    const { events, sent } = await runScans("failed", [write, same, same], ["failed"]);
    expect(kinds(events)).toEqual(["change", "change", "unchanged"]);
    expect(sent).toHaveLength(2);
  });

  it("keeps running when /proc cannot be read, and reports once it can", async () => {
    const missing = (root: string) => rmSync(root, { recursive: true, force: true });
    const write = (root: string) => writeProcFixture(root, [listener(22)]);
    const { events } = await runScans("unreadable", [missing, write]);
    expect(kinds(events)).toEqual(["scan-failed", "change"]);
    expect(events[0]).toMatchObject({ message: expect.stringContaining("ENOENT") });
  });
});
