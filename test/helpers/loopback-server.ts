/** The app on a real loopback socket, for clients that speak HTTP themselves (the CLI, browsers). */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface LoopbackServer {
  url: string;
  close: () => Promise<void>;
}

export async function listenOnLoopback(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<LoopbackServer> {
  const server = serve({ fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
