/**
 * A connection whose handshake never completes (the driver's stale write buffer after a cut, or a
 * peer that accepts and stays silent) fails its query with CONNECT_TIMEOUT; the pool that gave it is
 * replaced once, so the stalled connection does not answer one request of every later burst.
 */
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPostgresDatabase, DEFAULT_TIMEOUTS } from "../../../src/db/postgres.js";

describe("a pool whose connection stalls in its handshake", () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let url = "";
  beforeAll(async () => {
    // Accepts and never answers: every handshake times out.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const address = silent.address();
    if (!address || typeof address === "string") throw new Error("no port");
    url = `postgres://postgres@127.0.0.1:${address.port}/postgres`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it("fails the query with CONNECT_TIMEOUT and replaces the pool once", async () => {
    const handle = createPostgresDatabase(url, {
      max: 2,
      timeouts: { ...DEFAULT_TIMEOUTS, connectTimeoutSeconds: 1 },
    });
    const recycle = vi.spyOn(handle, "recycle");
    try {
      const failures = await Promise.allSettled([
        handle.db.execute(sql`SELECT 1`),
        handle.db.execute(sql`SELECT 2`),
      ]);
      for (const failure of failures) {
        expect(failure.status).toBe("rejected");
        const reason = (failure as PromiseRejectedResult).reason as {
          code?: string;
          cause?: { code?: string };
        };
        expect(reason.code ?? reason.cause?.code).toBe("CONNECT_TIMEOUT");
      }
      // Two timeouts on one pool: it is replaced once, not once per failed query.
      expect(recycle).toHaveBeenCalledTimes(1);
      await expect(handle.db.transaction(async (tx) => tx.execute(sql`SELECT 3`))).rejects.toBeTruthy();
      // The transaction met the replacement pool's own timeout: that pool is replaced in turn.
      expect(recycle).toHaveBeenCalledTimes(2);
    } finally {
      await handle.close().catch(() => {});
    }
  }, 20_000);
});
