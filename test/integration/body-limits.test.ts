import { request as httpRequest } from "node:http";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORM_BODY_BYTES, MANIFEST_BODY_BYTES } from "../../src/api/body-limits.js";
import { readNodeEnv } from "../../src/config/node-env.js";
import { readWorkerEnv } from "../../src/config/worker-env.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { listen } from "../helpers/browser.js";
import { readToken } from "../helpers/limits.js";

const CHUNK = 64 * 1024;
const ORDINARY = 128 * 1024;

/** far over every limit, and small enough that a server holding it whole fails the test, not the machine */
const HUGE = 24 * 1024 * 1024;

/**
 * A huge body, made as it is read: `pulled` says how much of it the server asked for, `cancelled`
 * that it stopped reading.
 */
function endlessBody(fill = 0x20) {
  const state = { pulled: 0, cancelled: false };
  const chunk = new Uint8Array(CHUNK).fill(fill);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= HUGE) return controller.close();
        state.pulled += CHUNK;
        controller.enqueue(chunk);
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

function post(path: string, body: BodyInit, headers: Record<string, string>) {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    duplex: "half",
  } as RequestInit);
}

async function answer(res: Response) {
  const body = (await res.json()) as { error: { code: unknown; data?: { reason: string } } };
  return { status: res.status, reason: body.error.data?.reason ?? body.error.code };
}

describe("request bodies", () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness({ maxRequestBytes: ORDINARY });
    token = await readToken(h, "reader");
  });
  afterAll(() => h.close());
  const bearer = () => ({ authorization: `Bearer ${token}` });

  it("refuses a body whose Content-Length is over the limit with 413, reading none of it", async () => {
    const { stream, state } = endlessBody();
    const res = await h.app.request(
      post("/trpc/capacity.checkManifest", stream, {
        ...bearer(),
        "content-length": String(MANIFEST_BODY_BYTES + 1),
      }),
    );
    expect(await answer(res)).toEqual({ status: 413, reason: "PAYLOAD_TOO_LARGE" });
    expect(state.pulled).toBe(0);
  });

  it("refuses a chunked body (no Content-Length) to capacity.checkManifest once it passes the limit, and stops reading it", async () => {
    const { stream, state } = endlessBody();
    const res = await h.app.request(post("/trpc/capacity.checkManifest", stream, bearer()));
    expect(await answer(res)).toEqual({ status: 413, reason: "PAYLOAD_TOO_LARGE" });
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThanOrEqual(MANIFEST_BODY_BYTES + CHUNK);
  });

  it("gives an ordinary call the ordinary limit, and checkManifest room for a 1 MiB manifest", async () => {
    const { stream, state } = endlessBody();
    const res = await h.app.request(post("/trpc/tokens.createRead", stream, h.admin));
    expect(await answer(res)).toEqual({ status: 413, reason: "PAYLOAD_TOO_LARGE" });
    expect(state.pulled).toBeLessThanOrEqual(ORDINARY + CHUNK);
    expect(state.cancelled).toBe(true);
    // A manifest at its own limit, mostly line breaks (each \n is two bytes in JSON), is not a 413.
    const manifest = "#\n".repeat(512 * 1024);
    const legal = await h.app.request(
      post("/trpc/capacity.checkManifest", JSON.stringify({ manifest }), bearer()),
    );
    expect(legal.status).not.toBe(413);
  });

  it("counts a gzip body after decompression", async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x20));
    expect(bomb.byteLength).toBeLessThan(ORDINARY);
    const res = await h.app.request(
      post("/trpc/tokens.createRead", bomb, { ...h.admin, "content-encoding": "gzip" }),
    );
    expect(await answer(res)).toEqual({ status: 413, reason: "PAYLOAD_TOO_LARGE" });
  });

  it("still serves calls within the limit, gzip or not, one call or a batch", async () => {
    const plain = await h.app.request(
      post("/trpc/tokens.createRead", JSON.stringify({ name: "plain" }), h.admin),
    );
    expect(plain.status).toBe(200);
    const zipped = await h.app.request(
      post("/trpc/tokens.createRead", gzipSync(JSON.stringify({ name: "zipped" })), {
        ...h.admin,
        "content-encoding": "gzip",
      }),
    );
    expect(zipped.status).toBe(200);
    const batch = await h.app.request(
      post(
        "/trpc/tokens.createRead,tokens.createRead?batch=1",
        JSON.stringify({ 0: { name: "b-0" }, 1: { name: "b-1" } }),
        h.admin,
      ),
    );
    expect(batch.status).toBe(200);
  });

  it("refuses an oversized token form post with 413 and the JSON error body", async () => {
    const { stream, state } = endlessBody(0x61);
    const res = await h.app.request(
      post("/session", stream, {
        "content-type": "application/x-www-form-urlencoded",
        "sec-fetch-site": "same-origin",
      }),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    expect(state.pulled).toBeLessThanOrEqual(FORM_BODY_BYTES + CHUNK);
    expect(state.cancelled).toBe(true);
  });

  it("answers 413 over a real Node socket while the client is still uploading, declared or chunked", async () => {
    const server = await listen(h);
    const { port } = new URL(server.url);
    /** Uploads 20 MiB unless the server answers first; resolves with what the client saw. */
    const upload = (declared: boolean) =>
      new Promise<string>((resolve) => {
        const total = 20 * 1024 * 1024;
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            path: "/trpc/capacity.checkManifest",
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...bearer(),
              ...(declared ? { "content-length": String(total) } : {}),
            },
          },
          (res) => {
            let body = "";
            res.on("data", (d) => {
              body += d;
            });
            res.on("end", () => resolve(`${res.statusCode} ${/PAYLOAD_TOO_LARGE/.exec(body)?.[0]}`));
          },
        );
        req.on("error", (error) => resolve(`client error: ${error.message}`));
        const chunk = Buffer.alloc(CHUNK, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += CHUNK;
            if (!req.write(chunk)) {
              req.once("drain", pump);
              return;
            }
          }
          req.end();
        };
        pump();
      });
    try {
      expect(await upload(true)).toBe("413 PAYLOAD_TOO_LARGE");
      expect(await upload(false)).toBe("413 PAYLOAD_TOO_LARGE");
    } finally {
      await server.close();
    }
  });

  it("reads PORTOLAN_MAX_REQUEST_BYTES on Node and on Workers, and refuses nonsense", () => {
    expect(readNodeEnv({ PORTOLAN_MAX_REQUEST_BYTES: "65536" }).PORTOLAN_MAX_REQUEST_BYTES).toBe(65536);
    expect(() => readNodeEnv({ PORTOLAN_MAX_REQUEST_BYTES: "10" })).toThrow(/PORTOLAN_MAX_REQUEST_BYTES/);
    const worker = readWorkerEnv({
      HYPERDRIVE: { connectionString: "postgres://u@h/db" },
      PORTOLAN_OPEN_ACCESS: "true",
      PORTOLAN_MAX_REQUEST_BYTES: "65536",
    });
    expect(worker.ok && worker.config.maxRequestBytes).toBe(65536);
    expect(
      readWorkerEnv({
        HYPERDRIVE: { connectionString: "postgres://u@h/db" },
        PORTOLAN_OPEN_ACCESS: "true",
        PORTOLAN_MAX_REQUEST_BYTES: "huge",
      }).ok,
    ).toBe(false);
  });
});
