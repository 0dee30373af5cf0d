import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readBodyText } from "../../../src/api/rest/body.js";
import { ServiceError } from "../../../src/services/errors.js";

const LIMIT = 256 * 1024;

/** A POST as a client sends it: with or without Content-Length, gzipped or not. */
function request(body: Uint8Array, headers: Record<string, string> = {}) {
  return new Request("http://portolan.test/v1/snapshots", {
    method: "POST",
    body: new Uint8Array(body),
    headers,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  return (error as ServiceError).code;
}

/** Text gzip cannot shrink much: hex of random bytes, so its gzip passes the small-body path's 64 KiB. */
const incompressible = (chars: number) =>
  randomBytes(Math.ceil(chars / 2))
    .toString("hex")
    .slice(0, chars);

describe("reading a request body", () => {
  const small = JSON.stringify({ hello: "world" });
  const large = JSON.stringify({ pad: incompressible(200 * 1024) });

  it.each([
    ["a small gzip body (inflated in one call)", small],
    ["a gzip body over 64 KiB as sent (inflated as a stream)", large],
  ])("inflates %s to the text that was sent", async (_name, text) => {
    const zipped = gzipSync(text);
    expect(await readBodyText(request(zipped, { "content-encoding": "gzip" }), LIMIT)).toBe(text);
  });

  it("reads a plain body as it was sent", async () => {
    expect(await readBodyText(request(Buffer.from(small)), LIMIT)).toBe(small);
  });

  it("drops a leading byte-order mark the same way, gzipped or not", async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(small)]);
    expect(await readBodyText(request(gzipSync(withBom), { "content-encoding": "gzip" }), LIMIT)).toBe(small);
    expect(await readBodyText(request(withBom), LIMIT)).toBe(small);
  });

  it.each([
    ["a few KiB as sent", Buffer.alloc(LIMIT * 8, 0x20)],
    ["over 64 KiB as sent", Buffer.from(incompressible(LIMIT + 1024))],
  ])("refuses a gzip body that inflates past the limit when it is %s", async (_name, text) => {
    const zipped = gzipSync(text);
    expect(await codeOf(readBodyText(request(zipped, { "content-encoding": "gzip" }), LIMIT))).toBe(
      "PAYLOAD_TOO_LARGE",
    );
  });

  it("refuses a gzip body whose bytes as sent already pass the limit, before inflating it", async () => {
    const zipped = Buffer.from(incompressible(LIMIT * 2));
    expect(await codeOf(readBodyText(request(zipped, { "content-encoding": "gzip" }), LIMIT))).toBe(
      "PAYLOAD_TOO_LARGE",
    );
  });

  it.each([
    ["small", Buffer.from(small)],
    ["over 64 KiB", Buffer.from(incompressible(100 * 1024))],
  ])("refuses a %s body that claims gzip but is not", async (_name, body) => {
    expect(await codeOf(readBodyText(request(body, { "content-encoding": "gzip" }), LIMIT))).toBe(
      "INVALID_GZIP",
    );
  });

  it("refuses an encoding other than gzip", async () => {
    expect(await codeOf(readBodyText(request(Buffer.from(small), { "content-encoding": "br" }), LIMIT))).toBe(
      "UNSUPPORTED_ENCODING",
    );
  });
});
