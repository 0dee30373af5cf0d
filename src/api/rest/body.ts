/**
 * Reads a request body with a cap on its decompressed size, so a gzip bomb or an oversized body is
 * refused with 413 before it is held in memory: the snapshot push (readJsonBody, its own limit) and,
 * through api/body-limits.ts, every other route that reads a body.
 */
import { gunzipSync } from "node:zlib";
import { parseJsonSteps } from "../../contract/json-steps.js";
import { runSteps, runStepsPausing } from "../../contract/steps.js";
import { ServiceError } from "../../services/errors.js";

const tooLarge = (max: number) =>
  new ServiceError(
    "PAYLOAD_TOO_LARGE",
    "PAYLOAD_TOO_LARGE",
    `the body exceeds the limit of ${max} bytes (decompressed)`,
  );

async function readCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
  limit = max,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * A gzipped body at most this large (as sent) is inflated in one synchronous call: a delta or heartbeat
 * is a few hundred bytes, and a DecompressionStream costs more in stream and thread-pool hops than
 * the inflating itself (it was most of a heartbeat's CPU). The output stays capped, so the worst case
 * is inflating maxBytes of a bomb (tens of ms for 32 MiB); larger bodies inflate as a stream.
 */
const SMALL_GZIP_BYTES = 64 * 1024;
/** What gzip adds to text it cannot compress: its header and trailer, 5 bytes per stored block. */
const gzipFrameBytes = (text: number) => 18 + 5 * Math.ceil(text / 65_535);

function gunzipCapped(bytes: Uint8Array, max: number): string {
  let text: Buffer;
  try {
    text = gunzipSync(bytes, { maxOutputLength: max });
  } catch (error) {
    // Past maxOutputLength zlib stops with ERR_BUFFER_TOO_LARGE: the body is over the limit.
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(max);
    throw new ServiceError("BAD_REQUEST", "INVALID_GZIP", "the body is not valid gzip");
  }
  // TextDecoder, as for every other body: it drops a leading BOM, which Buffer#toString keeps.
  return new TextDecoder().decode(text);
}

/** True for `application/json` with any parameters, in any case; not for `application/json-patch+json`. */
export function isJsonMediaType(contentType: string): boolean {
  const essence = contentType.split(";", 1)[0] ?? "";
  return essence.trim().toLowerCase() === "application/json";
}

/**
 * A request's body as text, refused with 413 once it passes maxBytes: at once when Content-Length says
 * so, else while reading (chunked bodies as they stream, gzip after decompression), the rest unread.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  // Left unread: the runtime discards it after the answer (@hono/node-server drains it briefly, then closes).
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return "";
  const encoding = (request.headers.get("content-encoding") ?? "identity").toLowerCase();
  if (encoding !== "gzip" && encoding !== "identity") {
    throw new ServiceError(
      "UNSUPPORTED_MEDIA_TYPE",
      "UNSUPPORTED_ENCODING",
      `Content-Encoding "${encoding}" is not supported (use gzip)`,
    );
  }
  const decoder = new TextDecoder();
  if (encoding === "identity") return decoder.decode(await readCapped(request.body, maxBytes));
  // gzip: as sent, the body is never larger than what it inflates to (plus gzip's few bytes of frame).
  const sent = await readCapped(request.body, maxBytes + gzipFrameBytes(maxBytes), maxBytes);
  if (sent.byteLength <= SMALL_GZIP_BYTES) return gunzipCapped(sent, maxBytes);
  const inflated = new Blob([sent])
    .stream()
    .pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  try {
    return decoder.decode(await readCapped(inflated, maxBytes));
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw new ServiceError("BAD_REQUEST", "INVALID_GZIP", "the body is not valid gzip");
  }
}

/** Bodies up to this many characters are parsed in one JSON.parse (about 2 ms at 1 MiB). */
const PARSE_AT_ONCE_CHARS = 1024 * 1024;

/**
 * The body as JSON. With `pause`, it is parsed in pieces with the pause between them (a 32 MiB
 * snapshot is about half a second of JSON.parse); the value, and what is refused, are JSON.parse's.
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  pause?: () => Promise<void>,
): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get("content-type") ?? "")) {
    throw new ServiceError(
      "UNSUPPORTED_MEDIA_TYPE",
      "UNSUPPORTED_MEDIA_TYPE",
      "send the snapshot as application/json",
    );
  }
  const hasBody = request.body !== null;
  const text = await readBodyText(request, maxBytes);
  if (!hasBody) throw new ServiceError("BAD_REQUEST", "INVALID_JSON", "the request has no body");
  try {
    // A small body is parsed at once: its JSON.parse is shorter than a pause's slice, and the
    // pieces cost a push of a 50-node cluster a tenth of its CPU.
    if (text.length <= PARSE_AT_ONCE_CHARS) return JSON.parse(text);
    const steps = parseJsonSteps(text);
    return pause ? await runStepsPausing(steps, pause) : runSteps(steps);
  } catch {
    throw new ServiceError("BAD_REQUEST", "INVALID_JSON", "the body is not valid JSON");
  }
}
