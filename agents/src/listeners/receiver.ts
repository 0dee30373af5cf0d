/**
 * The agent's endpoint for node readers: `POST /v1/node-listeners` on its own port (not the health
 * port: that one serves unauthenticated reads and may be exposed to a scraper; this one takes writes).
 * Each report is authenticated (authenticate.ts), bounded in size, validated with the contract's
 * nodeListenersSchema (and its pod tier's owners with ownersSchema) and accepted only for the node
 * its token is bound to.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as z from "zod";
import { nodeListenersSchema } from "../../../src/contract/listener-schema.js";
import type { NodeListeners } from "../../../src/contract/listeners.js";
import type { Logger } from "../ops/log.js";
import type { AgentMetrics } from "../ops/metrics.js";
import type { ReaderAuthenticator, RefusalReason } from "./authenticate.js";
import type { ReportBook } from "./book.js";
import { HEARTBEAT_HEADER, MAX_OWNERS_PER_REPORT, type ProcessOwner, REPORT_PATH } from "./protocol.js";

/** The pod tier's owners: a pod UID as the API writes it, a runtime's 64-hex container id. */
const ownersSchema = z
  .array(
    z.object({
      pid: z.number().int().min(1).max(4_194_304),
      pod: z
        .object({
          uid: z
            .string()
            .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
            .optional(),
          containerId: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional(),
        })
        .optional(),
    }),
  )
  .max(MAX_OWNERS_PER_REPORT)
  .optional();

/** a reader's own heartbeat is believed within these bounds */
const HEARTBEAT_BOUNDS_S = { min: 10, max: 86_400 };

export interface ReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  maxInFlight: number;
  defaultHeartbeatMs: number;
  authenticator: ReaderAuthenticator;
  book: ReportBook;
  metrics: AgentMetrics;
  logger: Logger;
}

export interface Receiver {
  url: string;
  close(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  let inFlight = 0;
  const { metrics, logger } = options;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== REPORT_PATH)
      return void res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    if (req.method !== "POST") return void res.writeHead(405, { allow: "POST" }).end();
    try {
      if (inFlight >= options.maxInFlight)
        throw new Refusal(429, "busy", "too many reports at once; try again");
      inFlight++;
      try {
        const report = await receive(req);
        options.book.accept(report.value, report.heartbeatMs, report.owners);
        metrics.listenerReports.inc({ result: "accepted" });
        metrics.observedNodes.set(options.book.size);
        logger.debug("node listener report", {
          node: report.value.node,
          listeners: report.value.listeners.length,
        });
        res.writeHead(204).end();
      } finally {
        inFlight--;
      }
    } catch (error) {
      const refusal =
        error instanceof Refusal ? error : new Refusal(500, "review-failed", (error as Error).message);
      metrics.listenerReports.inc({ result: "refused" });
      metrics.listenerRefusals.inc({ reason: refusal.reason });
      logger.warn("node listener report refused", { reason: refusal.reason, message: refusal.message });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (refusal.status === 429 || refusal.status === 503) headers["retry-after"] = "5";
      // A body left unread (too big, or refused before reading) closes the connection.
      if (!req.complete) headers.connection = "close";
      res
        .writeHead(refusal.status, headers)
        .end(JSON.stringify({ code: refusal.reason, message: refusal.message }));
    }
  };

  const receive = async (
    req: IncomingMessage,
  ): Promise<{ value: NodeListeners; heartbeatMs: number; owners: ProcessOwner[] | undefined }> => {
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    if (declared > options.maxBodyBytes) {
      throw new Refusal(413, "too-big", `the body is above ${options.maxBodyBytes} bytes`);
    }
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token) throw new Refusal(401, "no-token", "a Bearer token is required");
    const who = await options.authenticator.authenticate(token);
    if (!who.ok) throw new Refusal(who.status, who.reason, who.message);
    const text = await readBounded(req, options.maxBodyBytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Refusal(400, "bad-body", "the body is not JSON");
    }
    const parsed = nodeListenersSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new Refusal(400, "bad-body", `${first?.path.join(".") || "body"}: ${first?.message}`);
    }
    const owners = ownersSchema.safeParse((json as { owners?: unknown } | null)?.owners);
    if (!owners.success) {
      const first = owners.error.issues[0];
      throw new Refusal(400, "bad-body", `owners.${first?.path.join(".")}: ${first?.message}`);
    }
    if (parsed.data.node !== who.node) {
      throw new Refusal(403, "wrong-node", `this reader runs on ${who.node}, not on ${parsed.data.node}`);
    }
    const seconds = Number(req.headers[HEARTBEAT_HEADER]);
    const heartbeatMs = Number.isInteger(seconds)
      ? Math.min(HEARTBEAT_BOUNDS_S.max, Math.max(HEARTBEAT_BOUNDS_S.min, seconds)) * 1000
      : options.defaultHeartbeatMs;
    return { value: parsed.data, heartbeatMs, owners: owners.data };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error("node listener receiver failed", { error: String(error) });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  // Slow senders are cut off: a report is small and the reader sends it at once.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBounded(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.pause();
        reject(new Refusal(413, "too-big", `the body is above ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
