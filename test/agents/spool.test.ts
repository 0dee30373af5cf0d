import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../agents/src/ops/log.js";
import { Spool } from "../../agents/src/push/spool.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "portolan-spool-"));
  dirs.push(dir);
  return dir;
};

const hash = (n: number) => n.toString(16).padStart(64, "0");
const at = (second: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, second)).toISOString();
const body = (text: string) => new TextEncoder().encode(text);

async function fill(spool: Spool, seconds: number[]) {
  const dropped = [];
  for (const s of seconds) dropped.push(...(await spool.append(at(s), hash(s), body(`state at ${s}`))));
  return dropped;
}

describe("the spool of unsent snapshots", () => {
  it("keeps snapshots oldest first", async () => {
    const spool = await Spool.open({ maxEntries: 10, maxBytes: 1 << 20, logger: silentLogger });
    await fill(spool, [1, 2, 3]);
    expect(spool.pending().map((p) => p.observedAt)).toEqual([at(1), at(2), at(3)]);
    const head = spool.head();
    expect(new TextDecoder().decode(await spool.body(head!))).toBe("state at 1");
    await spool.remove(head!);
    expect(spool.pending().map((p) => p.observedAt)).toEqual([at(2), at(3)]);
  });

  it("when full, drops the state that lasted the shortest time and never the newest", async () => {
    const spool = await Spool.open({ maxEntries: 3, maxBytes: 1 << 20, logger: silentLogger });
    // States observed at 0, 10, 11 (lasted 1 s), 30: the one at 10 is the briefest.
    const dropped = await fill(spool, [0, 10, 11, 30]);
    expect(dropped.map((d) => new Date(d.observedMs).toISOString())).toEqual([at(10)]);
    expect(spool.pending().map((p) => p.observedAt)).toEqual([at(0), at(11), at(30)]);
  });

  it("is bounded by bytes too", async () => {
    const spool = await Spool.open({ maxEntries: 100, maxBytes: 25, logger: silentLogger });
    await fill(spool, [0, 5, 6]); // 10 bytes each
    expect(spool.size).toBe(2);
    expect(spool.bytes).toBeLessThanOrEqual(25);
    expect(spool.pending().at(-1)?.observedAt).toBe(at(6));
  });

  it("keeps a single snapshot larger than the byte bound rather than nothing", async () => {
    const spool = await Spool.open({ maxEntries: 100, maxBytes: 1, logger: silentLogger });
    await fill(spool, [0]);
    expect(spool.size).toBe(1);
  });

  it("on disk, survives a restart in the same order with the same bodies", async () => {
    const dir = tempDir();
    const first = await Spool.open({ dir, maxEntries: 10, maxBytes: 1 << 20, logger: silentLogger });
    await fill(first, [1, 2, 3]);
    await first.remove(first.head()!);

    const second = await Spool.open({ dir, maxEntries: 10, maxBytes: 1 << 20, logger: silentLogger });
    expect(second.pending().map((p) => [p.observedAt, p.hash])).toEqual([
      [at(2), hash(2)],
      [at(3), hash(3)],
    ]);
    expect(new TextDecoder().decode(await second.body(second.head()!))).toBe("state at 2");
    // New entries continue the sequence after the reloaded ones.
    await second.append(at(4), hash(4), body("state at 4"));
    expect(second.pending().map((p) => p.seq)).toEqual([2, 3, 4]);
  });

  it("on disk, removes half-written files and leaves unknown files alone", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, `.tmp-000000000001-1-${hash(1)}.json.gz`), "partial");
    writeFileSync(join(dir, "README"), "not a snapshot");
    const spool = await Spool.open({ dir, maxEntries: 10, maxBytes: 1 << 20, logger: silentLogger });
    expect(spool.size).toBe(0);
    expect(readdirSync(dir)).toEqual(["README"]);
  });
});
