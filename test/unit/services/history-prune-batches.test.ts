/**
 * History retention's arithmetic and batching, without a database: the cutoff, which instants are
 * refused, and how pruneInBatches walks targets within its statement and time budgets.
 */
import { describe, expect, it } from "vitest";
import { readNodeEnv } from "../../../src/config/node-env.js";
import { readWorkerEnv } from "../../../src/config/worker-env.js";
import { isBeyondRetention, retentionCutoff } from "../../../src/domain/retention.js";
import { type BatchLimits, pruneInBatches } from "../../../src/services/history-prune.js";

const NOW = new Date("2026-12-07T12:00:00Z");

describe("retentionCutoff and isBeyondRetention", () => {
  it.each([
    { days: 400, cutoff: "2025-11-02T12:00:00.000Z" },
    { days: 30, cutoff: "2026-11-07T12:00:00.000Z" },
    { days: 1, cutoff: "2026-12-06T12:00:00.000Z" },
  ])("keeps $days days: the oldest instant kept is $cutoff", ({ days, cutoff }) => {
    expect(retentionCutoff(NOW, days).toISOString()).toBe(cutoff);
  });

  it.each([
    { instant: "2026-11-07T11:59:59.999Z", beyond: true },
    { instant: "2026-11-07T12:00:00.000Z", beyond: false },
    { instant: "2026-12-07T12:00:00.000Z", beyond: false },
    { instant: "2027-01-01T00:00:00.000Z", beyond: false },
  ])("with 30 days kept, $instant is beyond: $beyond", ({ instant, beyond }) => {
    expect(isBeyondRetention(new Date(instant), NOW, 30)).toBe(beyond);
  });
});

/** Targets with `due` rows each; deleteBatch takes up to `limit` of them and records the call. */
function fakeTables(due: number[]) {
  const left = [...due];
  const calls: { target: number; limit: number; deleted: number }[] = [];
  const deleteBatch = async (target: number, limit: number) => {
    const deleted = Math.min(limit, left[target] ?? 0);
    left[target] = (left[target] ?? 0) - deleted;
    calls.push({ target, limit, deleted });
    return deleted;
  };
  return { left, calls, deleteBatch };
}

const limits = (over: Partial<BatchLimits> & { pauses?: number[] } = {}): BatchLimits => ({
  batchSize: 3,
  maxBatches: 100,
  expired: () => false,
  pause: async () => {
    over.pauses?.push(1);
  },
  ...over,
});

describe("pruneInBatches", () => {
  it("deletes each target's due rows batchSize at a time, moving on after a short batch", async () => {
    const t = fakeTables([7, 0, 3]);
    const pauses: number[] = [];
    const run = await pruneInBatches([0, 1, 2], t.deleteBatch, limits({ pauses }));
    expect(run).toEqual({ deleted: [7, 0, 3], batches: 4, statements: 6, incomplete: false });
    expect(t.calls.map((c) => [c.target, c.deleted])).toEqual([
      [0, 3],
      [0, 3],
      [0, 1],
      [1, 0],
      [2, 3],
      [2, 0],
    ]);
    // A pause after every statement that deleted rows, none after one that found nothing.
    expect(pauses.length).toBe(4);
    expect(t.left).toEqual([0, 0, 0]);
  });

  it("stops at maxBatches (statements that deleted rows) and says it is incomplete", async () => {
    const t = fakeTables([0, 0, 10]);
    const run = await pruneInBatches([0, 1, 2], t.deleteBatch, limits({ maxBatches: 2 }));
    expect(run).toEqual({ deleted: [0, 0, 6], batches: 2, statements: 4, incomplete: true });
    expect(t.left[2]).toBe(4);
  });

  it("starts no statement once the time is up", async () => {
    const t = fakeTables([5, 5]);
    let statements = 0;
    const run = await pruneInBatches(
      [0, 1],
      async (target, limit) => {
        statements++;
        return t.deleteBatch(target, limit);
      },
      limits({ expired: () => statements >= 1 }),
    );
    expect(run).toEqual({ deleted: [3, 0], batches: 1, statements: 1, incomplete: true });
  });

  it("runs one statement per target when nothing is due", async () => {
    const t = fakeTables([0, 0, 0, 0]);
    const run = await pruneInBatches([0, 1, 2, 3], t.deleteBatch, limits({ maxBatches: 1 }));
    expect(run).toEqual({ deleted: [0, 0, 0, 0], batches: 0, statements: 4, incomplete: false });
  });
});

/** PORTOLAN_RETENTION_DAYS through both entries' env validation: the days, or the error message. */
function loadConfigWith(value: string | undefined): { node: number | string; worker: number | string } {
  const set = value === undefined ? {} : { PORTOLAN_RETENTION_DAYS: value };
  let node: number | string;
  try {
    node = readNodeEnv(set).PORTOLAN_RETENTION_DAYS;
  } catch (error) {
    node = (error as Error).message;
  }
  const parsed = readWorkerEnv({
    ...set,
    HYPERDRIVE: { connectionString: "postgres://u:p@127.0.0.1:5432/db" },
    PORTOLAN_OPEN_ACCESS: "true",
  });
  const worker = parsed.ok ? parsed.config.history.retentionDays : parsed.message;
  return { node, worker };
}

describe("PORTOLAN_RETENTION_DAYS", () => {
  it.each([
    { value: undefined, days: 400 },
    { value: "30", days: 30 },
  ])("reads $value as $days days on both entries", ({ value, days }) => {
    expect(loadConfigWith(value)).toEqual({ node: days, worker: days });
  });

  it.each(["0", "-5", "1.5", "a year", "36501"])(
    "refuses %s on both entries, naming the variable",
    (value) => {
      const { node, worker } = loadConfigWith(value);
      expect(String(node)).toMatch(/PORTOLAN_RETENTION_DAYS: (must|Too big)/);
      expect(String(worker)).toMatch(/PORTOLAN_RETENTION_DAYS: (must|Too big)/);
    },
  );
});
