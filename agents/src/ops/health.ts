/** --health-port: /healthz (alive), /readyz (first snapshot built), /metrics (Prometheus text). */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type AgentMetrics, sampleProcess } from "./metrics.js";

export interface HealthServerOptions {
  host: string;
  port: number;
  metrics: AgentMetrics;
  /** False once the agent cannot do its job any more (e.g. the API refused its token). */
  alive: () => boolean;
  ready: () => boolean;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz" || path === "/readyz") {
      const ok = path === "/healthz" ? options.alive() : options.ready();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain; charset=utf-8" });
      res.end(ok ? "ok\n" : path === "/healthz" ? "failing\n" : "no snapshot yet\n");
      return;
    }
    if (path === "/metrics") {
      sampleProcess(options.metrics);
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(options.metrics.registry.render());
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
  });
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
