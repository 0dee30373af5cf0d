/**
 * Parameters written into a statement as literals read back as the same values on the database,
 * whatever quotes, backslashes or `$1` they contain; what cannot be inlined is left as parameters.
 */
import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineParams, quoteLiteral } from "../../src/db/inline-sql.js";
import { createPgliteDatabase } from "../../src/db/pglite.js";
import { rawRows } from "../../src/db/raw.js";
import type { DatabaseHandle } from "../../src/db/types.js";

const dialect = new PgDialect();
let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createPgliteDatabase();
});
afterAll(() => handle.close());

describe("inlineParams", () => {
  it("writes text, numbers, booleans, dates and null as literals that read back the same", async () => {
    const texts = ["plain", "it's", "back\\slash", "both\\'", "$1 and $2", '"quoted"', "ünïcödé", ""];
    const when = new Date("2026-01-02T03:04:05.678Z");
    const query = sql`SELECT ${texts[0]}::text AS t0, ${texts[1]}::text AS t1, ${texts[2]}::text AS t2,
      ${texts[3]}::text AS t3, ${texts[4]}::text AS t4, ${texts[5]}::text AS t5, ${texts[6]}::text AS t6,
      ${texts[7]}::text AS t7, ${-42}::int AS neg, ${1.5}::float8 AS frac, ${true} AS yes,
      ${when}::timestamptz = '2026-01-02T03:04:05.678Z'::timestamptz AS same_time, ${null}::text IS NULL AS nothing,
      'a ''$1'' in a literal' AS kept, "t"."x" AS quoted FROM (SELECT 1 AS x) AS "t"`;
    const inlined = inlineParams(query);
    expect(dialect.sqlToQuery(inlined).params).toEqual([]);
    const [row] = await rawRows<Record<string, unknown>>(handle.db, inlined);
    expect(row).toEqual({
      ...Object.fromEntries(texts.map((text, i) => [`t${i}`, text])),
      neg: -42,
      frac: 1.5,
      yes: true,
      same_time: true,
      nothing: true,
      kept: "a '$1' in a literal",
      quoted: 1,
    });
  });

  it("leaves a statement with an object parameter, or a non-finite number, as it was", () => {
    const query = sql`SELECT ${"a"}::text, ${{ a: 1 }}::jsonb`;
    expect(inlineParams(query)).toBe(query);
    const infinite = sql`SELECT ${"a"}::text, ${Number.POSITIVE_INFINITY}::float8`;
    expect(inlineParams(infinite)).toBe(infinite);
  });

  it("leaves a statement with a NUL in a text parameter as it was (the wire ends query text at NUL)", () => {
    const query = sql`SELECT ${"a\u0000'; DROP TABLE clusters; --"}::text`;
    expect(inlineParams(query)).toBe(query);
  });

  it("leaves a statement without parameters as it was", () => {
    const query = sql`SELECT 1`;
    expect(inlineParams(query)).toBe(query);
  });

  it("quotes as quote_literal does", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral("a\\b'")).toBe("E'a\\\\b'''");
  });
});
