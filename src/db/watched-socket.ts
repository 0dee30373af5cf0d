/**
 * Node only. A silent partition gives no error: packets vanish, the kernel keeps retransmitting for
 * many minutes and every request waiting on that connection hangs. The server itself answers every
 * statement within statement_timeout (it cancels it with 57014), so a connection that stays silent in
 * both directions for longer than that is dead, or idle: either way it is destroyed. postgres.js then
 * rejects whatever waited on it with DATABASE_DEADLINE (answered 503) and opens a fresh one for the
 * next query; an idle one is simply reopened, as after idle_timeout.
 *
 * Limit: with TLS, postgres.js re-wraps the socket and drops these listeners, so TLS connections are
 * bounded only by the server-side timeouts and TCP keepalive (docs/reliability.md).
 */
import { connect, type Socket } from "node:net";
import { log } from "../logging/logger.js";
import type { SocketFactory } from "./postgres.js";

export function watchedSocket(silenceLimitMs: number): SocketFactory {
  let next = 0;
  return (options) => {
    let socket: Socket;
    if (options.path) {
      socket = connect(options.path);
    } else {
      // Several hosts in the URL: take turns, as postgres.js does without a factory.
      const index = next++ % Math.max(1, options.host.length);
      socket = connect(options.port[index] ?? 5432, options.host[index] ?? "localhost");
    }
    let writtenAtLastRead = 0;
    socket.on("data", () => {
      writtenAtLastRead = socket.bytesWritten;
    });
    socket.setTimeout(silenceLimitMs);
    socket.on("timeout", () => {
      // Written since the last answer: something waits on it (a query, or the handshake).
      if (socket.bytesWritten > writtenAtLastRead) {
        log("warn", "database silent while a query waits: connection destroyed", { silenceLimitMs });
        // With an error, so postgres.js rejects the waiting queries (a clean close would make it
        // retry a handshake forever) and backs off before reconnecting.
        socket.destroy(
          Object.assign(new Error(`the database sent nothing for ${silenceLimitMs} ms`), {
            code: "DATABASE_DEADLINE",
          }),
        );
      } else {
        // Idle: closed quietly, reopened on demand, as after idle_timeout.
        socket.destroy();
      }
    });
    return socket;
  };
}
