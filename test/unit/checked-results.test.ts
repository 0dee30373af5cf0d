import type { Sql } from "postgres";
import { describe, expect, it } from "vitest";
import { checkedUnsafe, isDamagedResult } from "../../src/db/checked-results.js";
import { databaseOutageCode } from "../../src/db/failures.js";
import { toServiceError } from "../../src/services/errors.js";

/** An array shaped like postgres.js' Result: rows with a non-enumerable count beside them. */
function result(rows: unknown[], count: number | null): unknown[] {
  return Object.defineProperty([...rows], "count", { value: count });
}

/** A result with `holes` leading holes, as the driver answers after a cut mid-result. */
function sparse(holes: number, rows: unknown[]): unknown[] {
  const answer = result([], rows.length);
  rows.forEach((row, i) => {
    answer[holes + i] = row;
  });
  return answer;
}

describe("results the driver answers", () => {
  it("takes whole results, empty results and counts without rows as right", () => {
    expect(isDamagedResult(result([{ a: 1 }, { a: 2 }], 2))).toBe(false);
    expect(isDamagedResult(result([], 0))).toBe(false);
    expect(isDamagedResult(result([], 7))).toBe(false); // an UPDATE without RETURNING
    expect(isDamagedResult(result([{ setting: "on" }], null))).toBe(false); // SHOW has no count
    expect(isDamagedResult([result([{ a: 1 }], 1), result([], null)])).toBe(false);
  });

  it("refuses leading holes, a row count other than the server's, and a damaged part", () => {
    expect(isDamagedResult(sparse(4621, [{ n: 1 }]))).toBe(true);
    expect(isDamagedResult(result([{ a: 1 }, { a: 2 }], 1))).toBe(true);
    const noCount = result([], null);
    noCount[3] = { a: 1 };
    expect(isDamagedResult(noCount)).toBe(true);
    expect(isDamagedResult([result([{ a: 1 }], 1), sparse(2, [{ b: 1 }])])).toBe(true);
  });

  it("fails the query as a database outage (503 DATABASE_UNAVAILABLE) and reports the discard once", async () => {
    const discarded: Error[] = [];
    const answers = [sparse(3, [{ name: "dashboard" }]), result([{ name: "dashboard" }], 1)];
    const fake = ((..._args: unknown[]) => {
      const answer = answers.shift();
      const query = Promise.resolve(answer);
      return Object.assign(query, { values: () => query });
    }) as unknown as Sql["unsafe"];
    const unsafe = checkedUnsafe(fake, (error) => discarded.push(error));
    const error = await Promise.resolve(unsafe("SELECT name FROM read_tokens")).catch((e: unknown) => e);
    expect(databaseOutageCode(error)).toBe("DATABASE_RESULT_DAMAGED");
    expect(toServiceError(error)?.code).toBe("DATABASE_UNAVAILABLE");
    expect(discarded).toHaveLength(1);
    expect(await unsafe("SELECT name FROM read_tokens").values()).toEqual([{ name: "dashboard" }]);
  });
});
