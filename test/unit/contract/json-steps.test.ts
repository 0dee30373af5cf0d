/**
 * The snapshot body is parsed in pieces (src/contract/json-steps.ts) so a 32 MiB push does not hold
 * the event loop for one JSON.parse. Property: for any text — valid JSON in any layout, and the same
 * texts corrupted — it gives what JSON.parse gives (same keys in the same order, same prototypes,
 * `__proto__` as an own key, last duplicate wins) or throws where JSON.parse throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonSteps, SPLIT_CHARS } from "../../../src/contract/json-steps.js";
import { runSteps } from "../../../src/contract/steps.js";

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function outcome(parse: () => unknown): Outcome {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Equal as JSON.parse results: own keys in order, prototypes, -0, values. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keysA = Reflect.ownKeys(a);
  const keysB = Reflect.ownKeys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key, i) => {
    if (key !== keysB[i]) return false;
    const da = Object.getOwnPropertyDescriptor(a, key);
    const db = Object.getOwnPropertyDescriptor(b, key);
    if (da?.enumerable !== db?.enumerable || da?.writable !== db?.writable) return false;
    return sameValue(da?.value, db?.value);
  });
}

/** Checks one text at several split sizes (0: every container piece by piece). */
function expectLikeJsonParse(text: string): void {
  const expected = outcome(() => JSON.parse(text));
  for (const split of [0, 1, 7, 40]) {
    const actual = outcome(() => runSteps(parseJsonSteps(text, split)));
    if (expected.ok !== actual.ok) {
      throw new Error(
        `split ${split}: JSON.parse ${expected.ok ? "accepts" : "refuses"} ${JSON.stringify(text)}, the steps ${actual.ok ? "accept" : "refuse"} it`,
      );
    }
    if (!actual.ok) expect(actual.error).toBeInstanceOf(SyntaxError);
    if (expected.ok && actual.ok && !sameValue(expected.value, actual.value)) {
      throw new Error(`split ${split}: different values for ${JSON.stringify(text)}`);
    }
  }
}

const whitespace = fc.constantFrom("", " ", "\t", "\n", "\r", "  \n\t", "\r\n");
const keyText = fc.oneof(
  fc.constantFrom("__proto__", "nodes", "pods", "ingressControllers", "constructor", "1", "0", "a", ""),
  fc.string({ maxLength: 4 }),
);

/** A string literal, some characters written as \u escapes (surrogates and quotes included). */
const stringLiteral = fc
  .tuple(fc.string({ unit: "binary", maxLength: 6 }), fc.array(fc.boolean(), { maxLength: 6 }))
  .map(([text, escapes]) => {
    let out = '"';
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      out += escapes[i]
        ? `\\u${code.toString(16).padStart(4, "0")}`
        : JSON.stringify(text[i] ?? "").slice(1, -1);
    }
    return `${out}"`;
  });

/** JSON text built token by token with any whitespace, duplicate keys and nested arrays. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("0", "-0", "1e3", "-12.5E-2", "true", "false", "null", "123456789012345678901234567890"),
    stringLiteral,
    fc
      .tuple(fc.array(fc.tuple(whitespace, tie("value"), whitespace), { maxLength: 5 }), whitespace)
      .map(([items, inner]) => `[${items.map(([a, v, b]) => a + v + b).join(",") || inner}]`),
    fc
      .tuple(
        fc.array(fc.tuple(whitespace, keyText, whitespace, whitespace, tie("value")), { maxLength: 5 }),
        whitespace,
      )
      .map(
        ([members, inner]) =>
          `{${members.map(([a, k, b, c, v]) => `${a}${JSON.stringify(k)}${b}:${c}${v}`).join(",") || inner}}`,
      ),
  ),
})).value;

const corruption = fc.tuple(
  fc.nat(),
  fc.constantFrom("delete", "insert", "replace"),
  fc.constantFrom(...'{}[],:"\\ \t\n\r\u00a0\ufeff0-.eE+tfnu/\u0000x\u2028'),
);

function corrupt(text: string, [at, how, char]: [number, string, string]): string {
  const i = text.length === 0 ? 0 : at % (text.length + 1);
  if (how === "delete") return text.slice(0, i) + text.slice(i + 1);
  if (how === "insert") return text.slice(0, i) + char + text.slice(i);
  return text.slice(0, i) + char + text.slice(i + 1);
}

describe("parseJsonSteps reads exactly what JSON.parse reads", () => {
  it("gives JSON.parse's value for valid JSON in any layout", () => {
    fc.assert(
      fc.property(fc.tuple(whitespace, jsonText, whitespace), ([a, text, b]) => {
        expectLikeJsonParse(a + text + b);
      }),
      { numRuns: 3000 },
    );
  });

  it("gives JSON.parse's value for JSON.stringify's output of any JSON value, indented or not", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, 2, "\t"), (value, indent) => {
        expectLikeJsonParse(JSON.stringify(value, null, indent));
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses what JSON.parse refuses, and accepts what it accepts, after corruption", () => {
    fc.assert(
      fc.property(jsonText, fc.array(corruption, { minLength: 1, maxLength: 3 }), (text, changes) => {
        expectLikeJsonParse(changes.reduce(corrupt, text));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['{"a":1,"a":2}', "a repeated key keeps its last value"],
    ['{"a":1,"b":2,"a":3}', "and its first position"],
    ['{"__proto__":{"polluted":true},"x":1}', "__proto__ is an own key"],
    ['{"__proto__":1,"__proto__":[2]}', "a repeated __proto__"],
    ['{"2":0,"1":0,"b":0,"a":0}', "integer keys first, as in any object"],
    ['{"nodes":[[1,[2,[3]]],{"x":[]}],"pods":[ ],"ingressControllers":[{}]}', "nested arrays"],
    ['"\\ud800\\udc00\\u0041\\"\\\\"', "escapes"],
    ["[1,]", "a trailing comma"],
    ['{"a":1,}', "a trailing comma in an object"],
    ["[1 2]", "a missing comma"],
    ['{"a" 1}', "a missing colon"],
    ['{"a":1}}', "text after the value"],
    ['{"a":[1}', "mismatched brackets"],
    ['["\\"]', "an escaped closing quote"],
    ['["\\\\"]', "an escaped backslash before the quote"],
    ["\ufeff[]", "a byte-order mark"],
    ["[\u00a01]", "a no-break space"],
    ["", "nothing"],
    ["  ", "only whitespace"],
  ])("%s (%s)", (text) => {
    expectLikeJsonParse(text);
  });

  it("reads a large snapshot-shaped body in many pieces, with stops between them", () => {
    const pod = (i: number) => ({
      namespace: "ns",
      name: `pod-${i}`,
      node: `node-${i % 50}`,
      ports: Array.from({ length: 20 }, (_, j) => ({ hostPort: 10_000 + j, protocol: "TCP" })),
    });
    const body = { pods: Array.from({ length: 5_000 }, (_, i) => pod(i)), nodes: [], agent: { v: "1" } };
    const text = JSON.stringify(body);
    expect(text.length).toBeGreaterThan(20 * SPLIT_CHARS);
    const steps = parseJsonSteps(text);
    let stops = 0;
    let next = steps.next();
    while (!next.done) {
      stops++;
      next = steps.next();
    }
    expect(stops).toBeGreaterThan(text.length / (512 * 1024));
    expect(sameValue(next.value, JSON.parse(text))).toBe(true);
  });
});
