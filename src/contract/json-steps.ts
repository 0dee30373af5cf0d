/**
 * JSON.parse in steps: the same value, or the same SyntaxError, for any text, but a 32 MiB snapshot
 * body is not one unsplittable call (about half a second of CPU). A character scanner (strings,
 * escapes, nesting depth) finds where each value ends; containers larger than SPLIT_CHARS are read
 * member by member and element by element, and everything smaller goes to JSON.parse as one slice
 * of the text, so JSON.parse itself decides what is valid inside every piece. The structure between
 * the pieces (whitespace, commas, colons, brackets) is checked here by JSON's own grammar, so the
 * text is accepted exactly when JSON.parse accepts it. Keys are defined as own properties, as
 * JSON.parse does: `__proto__` stays an own key (the pre-check refuses it), a repeated key keeps its
 * first position and its last value.
 */
import type { Steps } from "./steps.js";

/** A value of more characters than this is read piece by piece; smaller ones in one JSON.parse. */
export const SPLIT_CHARS = 64 * 1024;
/** Characters scanned or parsed between two stops (well under a millisecond of work). */
const CHARS_PER_STOP = 256 * 1024;
/**
 * Descending stops here: deeper values (the contract refuses anything past 16 levels) go to JSON.parse
 * whole, so a body of millions of nested brackets does not make as many generator frames.
 */
const MAX_SPLIT_DEPTH = 64;

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (c: number) => c === SPACE || c === LF || c === CR || c === TAB;

class Reader {
  pos = 0;
  /** characters handled since the last stop */
  work = 0;
  constructor(
    readonly text: string,
    readonly splitChars: number,
  ) {}

  skipSpace(): void {
    const { text } = this;
    while (this.pos < text.length && isSpace(text.charCodeAt(this.pos))) this.pos++;
  }

  fail(): never {
    throw new SyntaxError(`Unexpected token or end in JSON at position ${this.pos}`);
  }

  expect(code: number): void {
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) !== code) this.fail();
    this.pos++;
  }

  /** Index just past the string that starts at `start` (a quote), or -1 if it never closes. */
  stringEnd(start: number): number {
    const { text } = this;
    let at = start + 1;
    for (;;) {
      const quote = text.indexOf('"', at);
      if (quote === -1) return -1;
      let backslashes = 0;
      while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
      at = quote + 1;
    }
  }

  /**
   * Index just past the value that starts at `start` (after whitespace), found by brackets and strings
   * alone: what lies inside is JSON.parse's to judge. -1 once a container runs past `limit`
   * characters (it is then read piece by piece, so no character is scanned twice for long). Stops
   * every CHARS_PER_STOP characters.
   */
  *valueEnd(start: number, limit: number): Steps<number> {
    const { text } = this;
    const first = text.charCodeAt(start);
    if (first === QUOTE) {
      const end = this.stringEnd(start);
      return end === -1 ? text.length : end;
    }
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      // A literal or number: up to the next delimiter; JSON.parse of the slice judges it.
      let at = start;
      while (at < text.length) {
        const c = text.charCodeAt(at);
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
        at++;
      }
      return at;
    }
    let depth = 0;
    let at = start;
    let scanned = 0;
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) {
        const end = this.stringEnd(at);
        if (end === -1) return text.length;
        scanned += end - at;
        at = end;
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return at + 1;
      at++;
      if (at - start > limit) return -1;
      if (++scanned >= CHARS_PER_STOP) {
        scanned = 0;
        yield;
      }
    }
    return text.length;
  }

  /** One piece through JSON.parse, counted towards the next stop. */
  parseSlice(start: number, end: number): unknown {
    this.work += end - start;
    return JSON.parse(this.text.slice(start, end));
  }

  *stopIfDue(): Steps<void> {
    if (this.work >= CHARS_PER_STOP) {
      this.work = 0;
      yield;
    }
  }
}

function defineMember(target: Record<string, unknown>, key: string, value: unknown): void {
  // As JSON.parse does (CreateDataProperty): `__proto__` becomes an own key, not the prototype.
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function* readValue(reader: Reader, depth: number): Steps<unknown> {
  reader.skipSpace();
  const start = reader.pos;
  const first = reader.text.charCodeAt(start);
  const end = yield* reader.valueEnd(
    start,
    depth < MAX_SPLIT_DEPTH ? reader.splitChars : Number.POSITIVE_INFINITY,
  );
  if (end !== -1) {
    const value = reader.parseSlice(start, end);
    reader.pos = end;
    yield* reader.stopIfDue();
    return value;
  }
  reader.pos = start + 1;
  return first === OPEN_BRACKET ? yield* readArray(reader, depth) : yield* readObject(reader, depth);
}

function* readArray(reader: Reader, depth: number): Steps<unknown[]> {
  const items: unknown[] = [];
  reader.skipSpace();
  if (reader.text.charCodeAt(reader.pos) === CLOSE_BRACKET) {
    reader.pos++;
    return items;
  }
  for (;;) {
    items.push(yield* readValue(reader, depth + 1));
    reader.skipSpace();
    const c = reader.text.charCodeAt(reader.pos);
    reader.pos++;
    if (c === CLOSE_BRACKET) return items;
    if (c !== COMMA) reader.fail();
  }
}

function* readObject(reader: Reader, depth: number): Steps<Record<string, unknown>> {
  const members: Record<string, unknown> = {};
  reader.skipSpace();
  if (reader.text.charCodeAt(reader.pos) === CLOSE_BRACE) {
    reader.pos++;
    return members;
  }
  for (;;) {
    reader.skipSpace();
    const keyStart = reader.pos;
    if (reader.text.charCodeAt(keyStart) !== QUOTE) reader.fail();
    const keyEnd = reader.stringEnd(keyStart);
    if (keyEnd === -1) reader.fail();
    const key = reader.parseSlice(keyStart, keyEnd) as string;
    reader.pos = keyEnd;
    reader.expect(COLON);
    defineMember(members, key, yield* readValue(reader, depth + 1));
    reader.skipSpace();
    const c = reader.text.charCodeAt(reader.pos);
    reader.pos++;
    if (c === CLOSE_BRACE) return members;
    if (c !== COMMA) reader.fail();
  }
}

/**
 * JSON.parse(text), stopping between pieces; throws a SyntaxError where JSON.parse would. `splitChars`
 * is for tests: 0 reads every container piece by piece.
 */
export function* parseJsonSteps(text: string, splitChars = SPLIT_CHARS): Steps<unknown> {
  if (text.length <= splitChars) return JSON.parse(text);
  const reader = new Reader(text, splitChars);
  const value = yield* readValue(reader, 0);
  reader.skipSpace();
  if (reader.pos < text.length) reader.fail();
  return value;
}
