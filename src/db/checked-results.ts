/**
 * postgres.js 3.4.9 counts a statement's rows per connection and resets the count only when a
 * statement completes (porsager/postgres#1119, #1181). A connection cut in the middle of a result
 * keeps the count, and the next statement on the reconnected connection resolves with as many
 * leading holes as the cut one had rows: a "successful" answer that reads as "no such token" or
 * throws TypeErrors wherever its rows are used. Every statement of the pool passes through here, so
 * such a result is refused once, in the database layer: the query fails as an outage (answered 503
 * DATABASE_UNAVAILABLE) and the caller's pool is replaced, discarding the connection that gave it.
 */
import type { Sql } from "postgres";

/** The driver code of a refused result; src/db/failures.ts counts it as an outage. */
export const DAMAGED_RESULT_CODE = "DATABASE_RESULT_DAMAGED";

/** postgres.js' Result: an array of rows with the statement's row count beside it. */
interface DriverResult extends Array<unknown> {
  count?: unknown;
}

/**
 * True when a result cannot be right: rows missing at its start or end (holes), or a row count
 * other than the one the server stated. A multi-statement answer is a plain array of results.
 */
export function isDamagedResult(result: unknown): boolean {
  if (!Array.isArray(result)) return false;
  const rows = result as DriverResult;
  if (!("count" in rows)) return isResultList(rows) && rows.some(isDamagedResult);
  if (rows.length === 0) return false;
  if (typeof rows.count === "number" && rows.count !== rows.length) return true;
  return !(0 in rows) || !(rows.length - 1 in rows);
}

function isResultList(value: unknown[]): boolean {
  const first = value[0];
  return Array.isArray(first) && "count" in first;
}

export function damagedResultError(rows: number, count: unknown): Error {
  return Object.assign(
    new Error(
      `the database driver answered an impossible result (${rows} rows for a count of ${String(count)}): its connection is discarded`,
    ),
    { code: DAMAGED_RESULT_CODE },
  );
}

type Unsafe = Sql["unsafe"];
type Thenable = PromiseLike<unknown> & { values(): unknown };

/**
 * `unsafe` whose answers are checked when awaited. drizzle uses only `await unsafe(...)` and
 * `await unsafe(...).values()` (drizzle-orm/postgres-js/session.js), so the stand-in offers those.
 */
export function checkedUnsafe(
  run: Unsafe,
  onDamaged: (error: Error) => void,
  onFailed: (error: unknown) => void = () => {},
): Unsafe {
  return ((...args: Parameters<Unsafe>) =>
    checkedQuery(run(...args), onDamaged, onFailed)) as unknown as Unsafe;
}

function checkedQuery(
  query: Thenable,
  onDamaged: (error: Error) => void,
  onFailed: (error: unknown) => void,
) {
  const checked = {
    values() {
      query.values();
      return checked;
    },
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what drizzle awaits
    then<A = unknown, B = never>(
      onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
      onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
    ): Promise<A | B> {
      return Promise.resolve(query)
        .then(undefined, (error: unknown) => {
          onFailed(error);
          throw error;
        })
        .then((result) => {
          if (isDamagedResult(result)) {
            const rows = result as DriverResult;
            const error = damagedResultError(rows.length, rows.count);
            onDamaged(error);
            throw error;
          }
          return result;
        })
        .then(onFulfilled, onRejected);
    },
  };
  return checked;
}

/** The transaction's `sql` as drizzle uses it (unsafe, savepoint), its answers checked too. */
export function checkedTransaction<T extends Pick<Sql, "unsafe"> & { savepoint?: unknown }>(
  tx: T,
  onDamaged: (error: Error) => void,
): T {
  const savepoint = tx.savepoint as ((...args: unknown[]) => unknown) | undefined;
  return {
    ...tx,
    unsafe: checkedUnsafe((...args) => tx.unsafe(...args), onDamaged),
    ...(savepoint
      ? {
          savepoint: (...args: unknown[]) => {
            const body = args[args.length - 1];
            if (typeof body !== "function") return savepoint.apply(tx, args);
            const wrapped = (inner: T) => body(checkedTransaction(inner, onDamaged));
            return savepoint.apply(tx, [...args.slice(0, -1), wrapped]);
          },
        }
      : {}),
  } as T;
}
