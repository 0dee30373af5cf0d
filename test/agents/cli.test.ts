import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_FLAGS, HELP, parseAgentArgs, UsageError } from "../../agents/src/cli/args.js";
import { AGENT_VERSION } from "../../agents/src/version.js";
import { parseSnapshot } from "../../src/contract/snapshot.js";
import { fixtureNodes, fixturePods } from "./helpers/fixtures.js";
import { startKubeTestServer } from "./helpers/kube-test-server.js";
import { until } from "./helpers/wait.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/portolan-agent.js", import.meta.url).pathname;

const config = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseAgentArgs(argv, env);
  if (parsed.kind !== "run") throw new Error(parsed.kind);
  return parsed.config;
};

describe("flags and environment", () => {
  it("documents every flag in --help", () => {
    for (const flag of Object.keys(AGENT_FLAGS)) expect(HELP).toContain(`--${flag}`);
    expect(parseAgentArgs(["--help"], {})).toEqual({ kind: "help" });
  });

  it("reports the version of package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(AGENT_VERSION).toBe(pkg.version);
  });

  it("reads the cluster, server and token from the environment, and flags win", () => {
    const env = { PORTOLAN_CLUSTER: "env-cluster", PORTOLAN_URL: "http://env:8080", PORTOLAN_TOKEN: "t" };
    expect(config([], env)).toMatchObject({
      cluster: "env-cluster",
      server: "http://env:8080",
      token: "t",
      mode: "watch",
    });
    expect(config(["--cluster", "flag-cluster", "--server", "https://flag"], env)).toMatchObject({
      cluster: "flag-cluster",
      server: "https://flag",
    });
    expect(config(["--token-file", "/run/token"], env).tokenFile).toBe("/run/token");
  });

  it("takes several files after --from-file", () => {
    expect(config(["--cluster", "c", "--dry-run", "--from-file", "nodes.json", "pods.json"])).toMatchObject({
      mode: "files",
      files: ["nodes.json", "pods.json"],
    });
  });

  it("reads listener inputs as [NODE:]PATH, a prefix being a node only when it is a node name", () => {
    const c = config([
      "--cluster",
      "c",
      "--dry-run",
      "--from-file",
      "nodes.json",
      "pods.json",
      "--ss-tcp",
      "raw-ss-tcp",
      "--ss-udp",
      "worker-1.example.com:/captures/w1-udp",
      "--proc-net",
      "./odd:name",
      "--proc-net",
      "/proc-copies",
      "--proc-net-byte-order",
      "big",
    ]);
    expect(c.files).toEqual(["nodes.json", "pods.json"]);
    expect(c.listenerSources).toEqual([
      { kind: "ss", protocol: "TCP", path: "raw-ss-tcp" },
      { kind: "ss", protocol: "UDP", node: "worker-1.example.com", path: "/captures/w1-udp" },
      { kind: "proc-net", path: "./odd:name" },
      { kind: "proc-net", path: "/proc-copies" },
    ]);
    expect(c.procNetByteOrder).toBe("big");
    expect(config(["--cluster", "c", "--dry-run", "--from-file", "a.json"])).toMatchObject({
      listenerSources: [],
      procNetByteOrder: "little",
    });
  });

  it("parses durations and sizes, with defaults", () => {
    const c = config([
      "--cluster",
      "c",
      "--dry-run",
      "--debounce",
      "500ms",
      "--heartbeat",
      "2m",
      "--resync",
      "1h",
    ]);
    expect([c.debounceMs, c.heartbeatMs, c.resyncMs, c.pageSize, c.spoolMaxBytes]).toEqual([
      500,
      120_000,
      3_600_000,
      500,
      64 * 1024 * 1024,
    ]);
    expect(config(["--cluster", "c", "--dry-run", "--spool-dir", "/s"]).spoolMaxBytes).toBe(
      512 * 1024 * 1024,
    );
  });

  it.each([
    [[], /--cluster NAME or PORTOLAN_CLUSTER/],
    [["--cluster", "Prod_EU"], /DNS-1123/],
    [["--cluster", "c"], /--server URL or PORTOLAN_URL/],
    [["--cluster", "c", "--server", "ftp://x", "--token-file", "t"], /http\(s\)/],
    [["--cluster", "c", "--server", "http://x"], /agent token is needed/],
    [["--cluster", "c", "--dry-run", "stray.json"], /--from-file/],
    [["--cluster", "c", "--dry-run", "--once", "--from-file", "a.json"], /drop --once/],
    [["--cluster", "c", "--dry-run", "--debounce", "soon"], /--debounce/],
    [["--cluster", "c", "--dry-run", "--page-size", "0"], /--page-size/],
    [["--cluster", "c", "--dry-run", "--log-level", "loud"], /--log-level/],
    [["--cluster", "c", "--dry-run", "--no-such-flag"], /no-such-flag/],
    [["--cluster", "c", "--dry-run", "--once", "--allow-no-pods"], /only applies to --from-file/],
    [["--cluster", "c", "--dry-run", "--ss-tcp", "raw-ss-tcp"], /only apply to --from-file/],
    [["--cluster", "c", "--dry-run", "--from-file", "a.json", "--ss-udp", "worker-1:"], /which file\?/],
    [
      [
        "--cluster",
        "c",
        "--dry-run",
        "--from-file",
        "a.json",
        "--proc-net",
        "d",
        "--proc-net-byte-order",
        "middle",
      ],
      /little .* or big/,
    ],
    [
      ["--cluster", "c", "--dry-run", "--from-file", "a.json", "--proc-net-byte-order", "big"],
      /only applies to --proc-net/,
    ],
  ])("refuses %j with a message that says what to do", (argv, message) => {
    expect(() => parseAgentArgs(argv, {})).toThrow(UsageError);
    expect(() => parseAgentArgs(argv, {})).toThrow(message);
  });
});

describe("the portolan-agent command", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "portolan-cli-"));
    const list = (items: unknown[]) =>
      JSON.stringify({ apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items });
    writeFileSync(join(dir, "nodes.json"), list(fixtureNodes()));
    writeFileSync(join(dir, "pods.json"), list(fixturePods()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("`--cluster prod-eu-1 --from-file nodes.json pods.json --dry-run` prints a valid snapshot", async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      [BIN, "--cluster", "prod-eu-1", "--from-file", "nodes.json", "pods.json", "--dry-run"],
      { cwd: dir, env: { ...process.env, PORTOLAN_URL: "", PORTOLAN_TOKEN: "" } },
    );
    const parsed = parseSnapshot(JSON.parse(stdout));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.snapshot.cluster).toBe("prod-eu-1");
      expect(parsed.snapshot.pods).toHaveLength(15);
    }
    // Logs are JSON lines on stderr, never mixed into the snapshot.
    expect(
      stderr
        .trim()
        .split("\n")
        .every((line) => JSON.parse(line).msg),
    ).toBe(true);
  });

  it("exits 2 with a usage message on a bad flag", async () => {
    const failure = await run(process.execPath, [BIN, "--bogus"], { cwd: dir }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/--help/);
  });

  it("watches until SIGTERM, then stops gracefully with status 0", async () => {
    const kube = await startKubeTestServer();
    try {
      for (const node of fixtureNodes()) kube.apply("nodes", node);
      for (const pod of fixturePods()) kube.apply("pods", pod);
      const kubeconfig = kube.writeKubeconfig(join(dir, "kubeconfig"));
      const child = spawn(
        process.execPath,
        [BIN, "--cluster", "prod-eu-1", "--kubeconfig", kubeconfig, "--dry-run"],
        {
          cwd: dir,
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      await once(child.stdout, "data"); // the first snapshot: it is watching now
      await kube.watching("pods");
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = await exited;
      expect(code).toBe(0);
      const last = JSON.parse(stderr.trim().split("\n").at(-1) as string);
      expect(last).toMatchObject({ msg: "portolan-agent stopped", exitCode: 0 });
      await until(() => kube.watcherCount() === 0, kube.events, "unwatch", "the watches to close");
    } finally {
      await kube.close();
    }
  });
});
