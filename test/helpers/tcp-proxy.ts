/**
 * A TCP proxy on 127.0.0.1 in front of a real server, for tests of what the app does when its
 * database connection breaks: `pass` forwards, `cut` destroys every open connection (and keeps
 * forwarding new ones), `refuse` stops listening (connections are refused, as by a stopped
 * server), `blackhole` accepts and forwards nothing in either direction (a silent partition).
 * `cutAfter` cuts in the middle of an answer: once so many bytes went from the server to the client.
 */
import { connect, createServer, type Socket } from "node:net";

export type ProxyMode = "pass" | "refuse" | "blackhole";

export interface TcpProxy {
  port: number;
  /** postgres:// URL pointing at the proxy instead of the target */
  url(targetUrl: string): string;
  setMode(mode: ProxyMode): Promise<void>;
  /** destroys every connection open now, both sides */
  cut(): void;
  /**
   * Cuts every connection once `bytes` more bytes went from the server to the client (the chunk that
   * crosses the mark is forwarded only up to it), so a large result is cut in its middle.
   */
  cutAfter(bytes: number): void;
  /** bytes forwarded from the server to the client so far */
  downstreamBytes(): number;
  /** connections accepted so far */
  accepted(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = "pass";
  let accepted = 0;
  let downstream = 0;
  /** downstream byte count at which every connection is cut; undefined while not armed */
  let cutAt: number | undefined;
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => {});
  };
  const server = createServer((client) => {
    accepted++;
    track(client);
    if (mode === "blackhole") return; // accepted, never answered: bytes go nowhere
    const upstream = connect(target.port, target.host);
    track(upstream);
    // Checked per chunk, so open connections go silent too when the proxy turns into a blackhole.
    client.on("data", (chunk) => {
      if (mode !== "blackhole") upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (mode === "blackhole") return;
      if (cutAt !== undefined && downstream + chunk.length >= cutAt) {
        client.write(chunk.subarray(0, cutAt - downstream));
        downstream = cutAt;
        cutAt = undefined;
        for (const socket of open) socket.destroy();
        return;
      }
      downstream += chunk.length;
      client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  const port = address.port;
  return {
    port,
    url(targetUrl) {
      const u = new URL(targetUrl);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    async setMode(next) {
      const wasListening = mode !== "refuse";
      mode = next;
      if (next === "refuse" && wasListening) await new Promise((r) => server.close(r));
      if (next !== "refuse" && !wasListening)
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
    cut() {
      for (const socket of open) socket.destroy();
    },
    cutAfter(bytes) {
      cutAt = downstream + bytes;
    },
    downstreamBytes: () => downstream,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        if (mode === "refuse") resolve();
        else server.close(() => resolve());
      }),
  };
}
