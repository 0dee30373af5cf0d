import { describe, expect, it } from "vitest";
import { readNodeEnv } from "../../src/config/node-env.js";
import { databaseOutageCode, describeFailure } from "../../src/db/failures.js";
import { toServiceError } from "../../src/services/errors.js";

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });
/** drizzle's wrapper: its message embeds the SQL and every parameter. */
const failedQuery = (cause: unknown) =>
  Object.assign(new Error('Failed query: select "name" from "read_tokens" where x = $1\nparams: secret'), {
    query: 'select "name" from "read_tokens" where x = $1',
    params: ["secret-hash-value"],
    cause,
  });

describe("database failures", () => {
  it.each([
    ["connection refused", withCode("ECONNREFUSED"), "ECONNREFUSED"],
    ["connection reset", withCode("ECONNRESET"), "ECONNRESET"],
    ["postgres.js connect timeout", withCode("CONNECT_TIMEOUT"), "CONNECT_TIMEOUT"],
    ["postgres.js connection closed", withCode("CONNECTION_CLOSED"), "CONNECTION_CLOSED"],
    ["postgres.js pool ended", withCode("CONNECTION_ENDED"), "CONNECTION_ENDED"],
    ["postgres.js connection destroyed", withCode("CONNECTION_DESTROYED"), "CONNECTION_DESTROYED"],
    ["a silent connection destroyed", withCode("DATABASE_DEADLINE"), "DATABASE_DEADLINE"],
    ["class 08: connection failure", withCode("08006"), "08006"],
    ["admin shutdown (pg_terminate_backend)", withCode("57P01"), "57P01"],
    ["crash shutdown", withCode("57P02"), "57P02"],
    ["cannot connect now", withCode("57P03"), "57P03"],
    ["too many connections", withCode("53300"), "53300"],
    ["statement timeout", withCode("57014"), "57014"],
    ["lock timeout", withCode("55P03"), "55P03"],
    ["wrapped by drizzle", failedQuery(withCode("57P01")), "57P01"],
    ["a unique violation", withCode("23505"), undefined],
    ["a syntax error", withCode("42601"), undefined],
    ["no code at all", new Error("boom"), undefined],
    ["not an error", "boom", undefined],
  ])("%s → %s", (_label, error, expected) => {
    expect(databaseOutageCode(error)).toBe(expected);
    const translated = toServiceError(error);
    if (expected) expect(translated).toMatchObject({ kind: "UNAVAILABLE", code: "DATABASE_UNAVAILABLE" });
    else expect(translated).toBeUndefined();
  });

  it("describes a failed query by statement kind and sizes, never by its message or parameters", () => {
    const fields = describeFailure(failedQuery(withCode("42P01")));
    expect(fields).toEqual({
      error: "Error",
      codes: ["42P01"],
      statement: 'select "read_tokens"',
      statementBytes: 45,
      paramCount: 1,
      paramBytes: 17,
    });
    expect(JSON.stringify(fields)).not.toContain("secret");
  });

  it("refuses a client-side answer timeout not longer than the statement timeout", () => {
    expect(() =>
      readNodeEnv({ PORTOLAN_DB_STATEMENT_TIMEOUT_MS: "30000", PORTOLAN_DB_ANSWER_TIMEOUT_MS: "20000" }),
    ).toThrow(/PORTOLAN_DB_ANSWER_TIMEOUT_MS: must be longer than PORTOLAN_DB_STATEMENT_TIMEOUT_MS/);
    expect(readNodeEnv({})).toMatchObject({
      PORTOLAN_DB_CONNECT_TIMEOUT_SECONDS: 5,
      PORTOLAN_DB_STATEMENT_TIMEOUT_MS: 30_000,
      PORTOLAN_DB_ANSWER_TIMEOUT_MS: 35_000,
    });
  });
});
