/**
 * The CLI checks its input before any request: usage mistakes exit 2 with the message and the
 * command's usage, against a server that counts what reaches it.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

let server: Server;
let url: string;
const requests: string[] = [];

beforeAll(async () => {
  // Answers every call with a tRPC error, so an accepted command exits 1 and a request shows here.
  server = createServer((req: IncomingMessage, res) => {
    requests.push(req.url ?? "");
    res.writeHead(500, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: { message: "counted", code: -32603, data: { code: "INTERNAL_SERVER_ERROR" } },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
});

const cli = (...argv: string[]) => runCli([...argv, "--url", url], { PORTOLAN_TOKEN: "t" });

/** The `input` of the one request the CLI sent. */
function sentInput(): Record<string, unknown> {
  expect(requests).toHaveLength(1);
  const input = new URL(requests[0] ?? "", url).searchParams.get("input");
  return JSON.parse(input ?? "{}") as Record<string, unknown>;
}

describe("usage errors", () => {
  it.each([
    [["ports", "who", "9100", "--as-of", "2026-11-31"], /--as-of <time>.*is invalid/, "portolan ports who"],
    [["ports", "who", "9100", "--as-of", "yesterday"], /--as-of <time>.*is invalid/, "portolan ports who"],
    [["ports", "who", "70000"], /a port is 1–65535/, "portolan ports who"],
    [["ports", "who", "9100", "--protocol", "ICMP"], /one of TCP, UDP, SCTP/, "portolan ports who"],
    [["ports", "who", "9100", "--fail-below", "1"], /unknown option '--fail-below'/, "portolan ports who"],
    [["ports", "who", "9100", "9200"], /too many arguments/, "portolan ports who"],
    [["ports", "map"], /missing required argument 'cluster'/, "portolan ports map"],
    [["ports", "map", "c", "--as-of", "7w"], /--as-of <time>.*is invalid/, "portolan ports map"],
    [["headroom", "--fail-below", "-1"], /--fail-below/, "portolan headroom"],
    [["plan", "fit", "--clusters", "a"], /plan fit needs --ports \(or -f FILE\)/, "portolan plan fit"],
    [["plan", "fit", "--ports", "80/TCP"], /plan fit needs --clusters/, "portolan plan fit"],
    [["plan", "fit", "--ports", "80/TCPX", "--clusters", "a"], /one of TCP, UDP, SCTP/, "portolan plan fit"],
    [["plan", "free", "--width", "0"], /a whole number ≥ 1/, "portolan plan free"],
    [
      ["reserve", "create", "10082-10080", "--owner", "o", "--purpose", "p"],
      /FROM must not exceed TO/,
      "portolan reserve create",
    ],
    [
      ["reserve", "create", "80", "--owner", "o", "--purpose", "p", "--expires", "7d"],
      /--expires/,
      "portolan reserve create",
    ],
    [["reserve", "rm", "abc"], /whole number/, "portolan reserve rm"],
    [["report", "--format", "pdf"], /Allowed choices are markdown, csv, json/, "portolan report"],
    [["report", "--cluster", "a", "--cluster", "b"], /give it once/, "portolan report"],
    [["clusters", "add", "c", "--label", "novalue"], /must be key=value/, "portolan clusters add"],
    [
      ["clusters", "reset-clock", "c", "--as-of", "soon"],
      /--as-of <time>.*is invalid/,
      "portolan clusters reset-clock",
    ],
    [["nonsense"], /unknown command 'nonsense'/, "portolan"],
  ])("%j exits 2 with the reason and the usage, sending nothing", async (argv, reason, usage) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(reason);
    expect(result.err).toContain(`usage: ${usage} `);
    expect(requests).toEqual([]);
  });

  it("push without an agent token exits 2 before reading the file or sending it", async () => {
    const { code, err } = await runCli(["push", "/nonexistent.json", "--url", url]);
    expect(code).toBe(2);
    expect(err).toMatch(/push needs the cluster's agent token[\s\S]*usage: portolan push/);
    expect(requests).toEqual([]);
  });
});

describe("--as-of", () => {
  it("sends a date as that day at 00:00 UTC", async () => {
    expect((await cli("ports", "who", "9100", "--as-of", "2026-11-30")).code).toBe(1);
    expect(sentInput()).toMatchObject({ hostPort: 9100, asOf: "2026-11-30T00:00:00.000Z" });
  });

  it("sends RFC 3339 with an offset as the same instant in UTC", async () => {
    await cli("ports", "map", "c", "--as-of", "2026-11-30T12:00:00+02:00");
    expect(sentInput()).toMatchObject({ cluster: "c", asOf: "2026-11-30T10:00:00.000Z" });
  });

  it("sends 36h as the instant 36 hours before now", async () => {
    const before = Date.now();
    await cli("headroom", "--as-of", "36h");
    const after = Date.now();
    const sent = Date.parse(String(sentInput().asOf));
    const hours36 = 36 * 3_600_000;
    expect(sent).toBeGreaterThanOrEqual(before - hours36);
    expect(sent).toBeLessThanOrEqual(after - hours36);
  });
});

describe("help", () => {
  it("lists each command's own flags, and the global ones", async () => {
    const who = await cli("ports", "who", "--help");
    expect(who.code).toBe(0);
    expect(who.out).toContain("Usage: portolan ports who [options] <port>");
    expect(who.out).toMatch(/--as-of <time>[\s\S]*7d, 36h, 90m/);
    expect(who.out).toMatch(/Global Options:[\s\S]*--token <token>/);
    expect(who.out).not.toContain("--fail-below");

    const headroom = await cli("headroom", "--help");
    expect(headroom.out).toContain("--fail-below <n>");
    expect(headroom.out).not.toContain("--protocol");
    expect(requests).toEqual([]);
  });

  it("lists every command with the exit codes, and exits 2 when no command is given", async () => {
    const help = await cli("--help");
    expect(help.code).toBe(0);
    for (const command of [
      "serve",
      "clusters",
      "push",
      "ports",
      "headroom",
      "conflicts",
      "plan",
      "drain-check",
      "report",
      "reserve",
    ])
      expect(help.out).toMatch(new RegExp(`\\n  ${command}\\b`));
    expect(help.out).toMatch(/exit codes: 0 done, 1 .*, 2 usage error/);
    expect((await cli()).code).toBe(2);
  });
});

describe("a reader that goes away (portolan … | head -1)", () => {
  it("ends quietly with exit 0, no stack trace", async () => {
    const bin = fileURLToPath(new URL("../../bin/portolan.js", import.meta.url));
    const child = spawn(process.execPath, [bin, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    // Closed before the CLI can start, so its first write meets a broken pipe.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  }, 60_000);
});
