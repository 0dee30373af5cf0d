/**
 * Reads a JSON request body with a cap on its decompressed size, so a gzip bomb or an oversized
 * snapshot is refused with 413 before it is held in memory.
 */
import { ServiceError } from "../../services/errors.js";

const tooLarge = (max: number) =>
  new ServiceError(
    "PAYLOAD_TOO_LARGE",
    "PAYLOAD_TOO_LARGE",
    `the body exceeds the limit of ${max} bytes (decompressed)`,
  );

async function readCapped(stream: ReadableStream<Uint8Array>, max: number): Promise<string> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** True for `application/json` with any parameters, in any case; not for `application/json-patch+json`. */
export function isJsonMediaType(contentType: string): boolean {
  const essence = contentType.split(";", 1)[0] ?? "";
  return essence.trim().toLowerCase() === "application/json";
}

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get("content-type") ?? "")) {
    throw new ServiceError(
      "UNSUPPORTED_MEDIA_TYPE",
      "UNSUPPORTED_MEDIA_TYPE",
      "send the snapshot as application/json",
    );
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) throw new ServiceError("BAD_REQUEST", "INVALID_JSON", "the request has no body");
  const encoding = (request.headers.get("content-encoding") ?? "identity").toLowerCase();
  let stream: ReadableStream<Uint8Array> = request.body;
  if (encoding === "gzip") {
    stream = stream.pipeThrough(
      new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
    );
  } else if (encoding !== "identity") {
    throw new ServiceError(
      "UNSUPPORTED_MEDIA_TYPE",
      "UNSUPPORTED_ENCODING",
      `Content-Encoding "${encoding}" is not supported (use gzip)`,
    );
  }
  let text: string;
  try {
    text = await readCapped(stream, maxBytes);
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw new ServiceError("BAD_REQUEST", "INVALID_GZIP", "the body is not valid gzip");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ServiceError("BAD_REQUEST", "INVALID_JSON", "the body is not valid JSON");
  }
}
