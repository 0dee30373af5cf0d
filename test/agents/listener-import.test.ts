/**
 * --from-file with node listener captures: openshift-kni/commatrix's real `ss` captures of OpenShift
 * CI nodes (../shared/node-listeners, read in place) and /proc/net files rendered from them, beside a
 * node list built here with the captures' node names. The agent pushes them to the staged API as the
 * reports the contract's parsers make; what cannot be sent is refused before anything is pushed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeSnapshot } from "../../agents/src/collect/encode.js";
import { encodeDelta, keyedState, stateChanges } from "../../agents/src/push/delta.js";
import { canonicalNodeListeners } from "../../src/contract/canonical.js";
import { ListenerSet } from "../../src/contract/listener-parsers/listener-set.js";
import { parseProcNetNode } from "../../src/contract/listener-parsers/proc-net.js";
import { mergeNodeListeners, parseSsNodes } from "../../src/contract/listener-parsers/ss.js";
import type { NodeListeners, ObservedListener } from "../../src/contract/listeners.js";
import { parseDelta, parseSnapshot, type Snapshot } from "../../src/contract/snapshot.js";
import { renderProcNet } from "../helpers/proc-net-render.js";
import { sharedInputDir } from "../helpers/shared-inputs.js";
import { startTestAgent, type TestAgent } from "./helpers/agent.js";
import { FakePortolan } from "./helpers/fake-portolan.js";
import { fixtureNodes, type KubeJson } from "./helpers/fixtures.js";

const { dir: LISTENERS, present } = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");
const BM = "bm-3master-3worker-4.23";
const SNO = "bm-sno-5.0";
const BM_NODES = ["master-0", "master-1", "master-2", "worker-0", "worker-1", "worker-2"];
const SNO_NODE = "cnfdu15.upstreamci.bos2.lab";

const capture = (run: string, file: "raw-ss-tcp" | "raw-ss-udp") =>
  join(LISTENERS, "commatrix", "ci-evidence", run, file);

let dir: string;
let api: FakePortolan;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portolan-listeners-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  api = await new FakePortolan().start();
});
afterAll(() => api.close());
afterEach(() => {
  api.status = 200;
});

let written = 0;
function write(name: string, text: string): string {
  const file = join(dir, `${written++}-${name}`);
  writeFileSync(file, text);
  return file;
}

/** `kubectl get nodes -o json` of a cluster with these node names (the fixture's master-0, renamed). */
function nodeDump(names: readonly string[]): string {
  const template = fixtureNodes()[0] as KubeJson;
  const items = names.map((name) => {
    const node = structuredClone(template);
    node.metadata.name = name;
    node.metadata.labels["kubernetes.io/hostname"] = name;
    return node;
  });
  return write("nodes.json", JSON.stringify({ apiVersion: "v1", kind: "NodeList", items }));
}
const noPods = () => write("pods.json", JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [] }));

async function run(
  args: string[],
  names: readonly string[] = BM_NODES,
): Promise<TestAgent & { code: number }> {
  const t = await startTestAgent([
    "--cluster",
    "ocp-ci",
    "--server",
    api.url,
    "--from-file",
    nodeDump(names),
    noPods(),
    ...args,
  ]);
  return { ...t, code: await t.agent.done };
}

/** The last snapshot the API accepted, read by the contract as the server reads it. */
function lastAccepted(): Snapshot {
  const pushed = api.accepted().at(-1);
  if (!pushed) throw new Error("nothing was accepted");
  const parsed = parseSnapshot(pushed);
  if (!parsed.ok) throw new Error(`${parsed.code}: ${parsed.message}`);
  return parsed.snapshot;
}

const canonical = (reports: readonly NodeListeners[]) =>
  reports.map(canonicalNodeListeners).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));

/** What the contract's own parsers make of a run's two captures. */
function parsersOutput(run: string): NodeListeners[] {
  const parts = (["TCP", "UDP"] as const).map((protocol) => {
    const parsed = parseSsNodes(
      readFileSync(capture(run, protocol === "TCP" ? "raw-ss-tcp" : "raw-ss-udp"), "utf8"),
      protocol,
    );
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  });
  const merged = mergeNodeListeners(...parts);
  if (!merged.ok) throw new Error(merged.message);
  return merged.value;
}

/** What /proc can tell of a node: no dual-stack flag, no interface, no process without /proc/<pid>/fd. */
function procView(report: NodeListeners): NodeListeners {
  const set = new ListenerSet();
  for (const { dualStack: _flag, interface: _iface, ...rest } of report.listeners) {
    set.add({ ...rest, processes: [] });
  }
  return { node: report.node, attribution: "none", listeners: set.values() };
}

/** One node's /proc directory, rendered from its ss listeners as the kernel prints them. */
function procDir(
  parent: string,
  node: string,
  listeners: readonly ObservedListener[],
  layout: "flat" | "proc",
) {
  const files = renderProcNet(listeners, { noise: true });
  const net = layout === "flat" ? join(parent, node) : join(parent, node, "net");
  const sys = layout === "flat" ? join(parent, node) : join(parent, node, "sys", "net", "ipv4");
  mkdirSync(net, { recursive: true });
  mkdirSync(sys, { recursive: true });
  for (const name of ["tcp", "tcp6", "udp", "udp6"] as const) writeFileSync(join(net, name), files[name]);
  writeFileSync(join(sys, "ip_local_port_range"), "32768\t60999\n");
  return join(parent, node);
}

const errorLine = (t: TestAgent) => String(t.logs.find((l) => l.level === "error")?.msg ?? "");

describe.runIf(present)("--from-file with commatrix's ss captures", () => {
  it("pushes the bare-metal run's six nodes' listeners exactly as the parsers read them, in a snapshot the contract accepts", async () => {
    const t = await run(["--ss-tcp", capture(BM, "raw-ss-tcp"), "--ss-udp", capture(BM, "raw-ss-udp")]);
    expect(t.code).toBe(0);
    const snapshot = lastAccepted();
    expect(snapshot.nodeListeners?.map((r) => r.node)).toEqual(BM_NODES);
    expect(canonical(snapshot.nodeListeners ?? [])).toEqual(canonical(parsersOutput(BM)));
    const master = snapshot.nodeListeners?.find((r) => r.node === "master-0");
    expect(master?.attribution).toBe("process");
    expect(master?.listeners).toContainEqual(
      expect.objectContaining({ protocol: "TCP", address: "127.0.0.1", port: 29103, scope: "loopback" }),
    );
    expect(master?.listeners.some((l) => l.protocol === "UDP")).toBe(true);
    expect(t.logs.find((l) => l.msg === "read node listeners")).toMatchObject({ nodes: 6 });
  });

  it("reads one node's capture named on the command line (NODE:FILE) as it reads the commatrix block", async () => {
    const block = (file: "raw-ss-tcp" | "raw-ss-udp") =>
      write(
        `${SNO_NODE}-${file}`,
        readFileSync(capture(SNO, file), "utf8")
          .split("\n")
          .filter((line) => !line.startsWith("node:"))
          .join("\n"),
      );
    const perNode = await run(
      ["--ss-tcp", `${SNO_NODE}:${block("raw-ss-tcp")}`, "--ss-udp", `${SNO_NODE}:${block("raw-ss-udp")}`],
      [SNO_NODE],
    );
    expect(perNode.code).toBe(0);
    const fromBlocks = canonical(lastAccepted().nodeListeners ?? []);
    expect(fromBlocks).toEqual(canonical(parsersOutput(SNO)));
    const commatrix = await run(
      ["--ss-tcp", capture(SNO, "raw-ss-tcp"), "--ss-udp", capture(SNO, "raw-ss-udp")],
      [SNO_NODE],
    );
    expect(commatrix.code).toBe(0);
    expect(canonical(lastAccepted().nodeListeners ?? [])).toEqual(fromBlocks);
  });

  it("prints them with --dry-run instead of pushing", async () => {
    const t = await startTestAgent([
      "--cluster",
      "ocp-ci",
      "--dry-run",
      "--from-file",
      nodeDump([SNO_NODE]),
      noPods(),
      "--ss-tcp",
      capture(SNO, "raw-ss-tcp"),
    ]);
    expect(await t.agent.done).toBe(0);
    const printed = JSON.parse(t.output.join(""));
    expect(parseSnapshot(printed).ok).toBe(true);
    expect(printed.nodeListeners).toHaveLength(1);
    expect(printed.nodeListeners[0].listeners.every((l: ObservedListener) => l.protocol === "TCP")).toBe(
      true,
    );
  });

  it("a delta after one listener changes carries just that node's report", async () => {
    const t = await run(["--ss-tcp", capture(BM, "raw-ss-tcp"), "--ss-udp", capture(BM, "raw-ss-udp")]);
    expect(t.code).toBe(0);
    const before = lastAccepted();
    const reports = before.nodeListeners ?? [];
    const after = reports.map((r) =>
      r.node !== "worker-1"
        ? r
        : { ...r, listeners: r.listeners.map((l) => (l.port === 9100 ? { ...l, port: 9200 } : l)) },
    );
    const encode = (listeners: NodeListeners[]) =>
      encodeSnapshot(before, before.nodes, before.pods, [], canonical(listeners));
    const base = await encode(reports);
    const next = await encode(after);
    const { nodes: _n, pods: _p, ingressControllers: _i, nodeListeners: _l, ...header } = before;
    const changes = stateChanges(
      keyedState(before.nodes, before.pods, [], canonical(reports)),
      keyedState(before.nodes, before.pods, [], canonical(after)),
    );
    const body = await encodeDelta(header, base.hash, next.hash, changes);
    const parsed = parseDelta(JSON.parse(gunzipSync(body).toString("utf8")));
    if (!parsed.ok) throw new Error(parsed.message);
    const { delta } = parsed.delta;
    expect(delta.nodeListeners.upsert.map((r) => r.node)).toEqual(["worker-1"]);
    expect(delta.nodeListeners.upsert[0]?.listeners.map((l) => l.port)).toContain(9200);
    expect(delta.nodeListeners.remove).toEqual([]);
    expect([delta.nodes.upsert, delta.pods.upsert, delta.nodes.remove]).toEqual([[], [], []]);
  });
});

describe.runIf(present)("--from-file with /proc/net files", () => {
  const nodes = () => (present ? parsersOutput(BM) : []);

  it("gives the ss capture's listeners minus what /proc cannot tell, from a directory of node directories", async () => {
    const root = join(dir, "proc-by-node");
    for (const report of nodes()) procDir(root, report.node, report.listeners, "flat");
    const t = await run(["--proc-net", root]);
    expect(t.code).toBe(0);
    const sent = lastAccepted().nodeListeners ?? [];
    expect(canonical(sent.map(({ localPortRange: _r, ...r }) => r))).toEqual(
      canonical(nodes().map(procView)),
    );
    expect(sent.every((r) => r.attribution === "none")).toBe(true);
    expect(sent.every((r) => r.localPortRange?.from === 32768 && r.localPortRange.to === 60999)).toBe(true);
    expect(sent.flatMap((r) => r.listeners).some((l) => l.dualStack !== undefined || l.interface)).toBe(
      false,
    );
  });

  it("reads NODE:DIR (a copy of /proc too), NODE:FILE, and big-endian files with --proc-net-byte-order big", async () => {
    const [first, second] = nodes() as [NodeListeners, NodeListeners];
    const copyOfProc = procDir(join(dir, "proc-copy"), first.node, first.listeners, "proc");
    const big = renderProcNet(second.listeners, { byteOrder: "big" });
    const files = join(dir, "proc-files", second.node);
    mkdirSync(files, { recursive: true });
    const args = [`${first.node}:${copyOfProc}`];
    for (const name of ["tcp", "tcp6", "udp", "udp6"] as const) {
      writeFileSync(join(files, name), big[name]);
      args.push(`${second.node}:${join(files, name)}`);
    }
    const littleCopy = await run(["--proc-net", args[0] as string]);
    expect(littleCopy.code).toBe(0);
    expect(canonical(lastAccepted().nodeListeners?.map(({ localPortRange: _r, ...r }) => r) ?? [])).toEqual(
      canonical([procView(first)]),
    );
    const bigFiles = await run([
      ...args.slice(1).flatMap((a) => ["--proc-net", a]),
      "--proc-net-byte-order",
      "big",
    ]);
    expect(bigFiles.code).toBe(0);
    expect(canonical(lastAccepted().nodeListeners ?? [])).toEqual(canonical([procView(second)]));
  });

  it("merges one node's ss and /proc inputs into one report, as the parsers merge them", async () => {
    const master = nodes().find((r) => r.node === "master-0") as NodeListeners;
    const root = join(dir, "proc-merge");
    const files = renderProcNet(master.listeners, { noise: true });
    procDir(root, "master-0", master.listeners, "flat");
    const t = await run([
      "--ss-tcp",
      capture(BM, "raw-ss-tcp"),
      "--proc-net",
      `master-0:${join(root, "master-0")}`,
    ]);
    expect(t.code).toBe(0);
    const tcp = parseSsNodes(readFileSync(capture(BM, "raw-ss-tcp"), "utf8"), "TCP");
    const proc = parseProcNetNode("master-0", { ...files, ipLocalPortRange: "32768\t60999\n" });
    if (!tcp.ok || !proc.ok) throw new Error("the inputs do not parse");
    const expected = mergeNodeListeners(tcp.value, [proc.value]);
    if (!expected.ok) throw new Error(expected.message);
    expect(canonical(lastAccepted().nodeListeners ?? [])).toEqual(canonical(expected.value));
    const sent = lastAccepted().nodeListeners?.find((r) => r.node === "master-0");
    expect(sent).toMatchObject({ attribution: "process", localPortRange: { from: 32768, to: 60999 } });
    expect(sent?.listeners.some((l) => l.protocol === "UDP")).toBe(true);
  });
});

describe.runIf(present)("listener inputs the agent refuses or reads in part", () => {
  it("exits 2 naming a node the dump does not hold, and pushes nothing", async () => {
    const pushes = api.pushes.length;
    const t = await run(
      ["--ss-tcp", capture(BM, "raw-ss-tcp")],
      BM_NODES.filter((n) => !n.startsWith("worker")),
    );
    expect(t.code).toBe(2);
    expect(errorLine(t)).toContain('"worker-0"');
    expect(errorLine(t)).toContain("the node list does not hold");
    expect(errorLine(t)).toContain(capture(BM, "raw-ss-tcp"));
    expect(api.pushes.length).toBe(pushes);
  });

  it("exits 2 on a file over the contract's bound, with the parser's message", async () => {
    const rows = Array.from(
      { length: 10_001 },
      (_, i) => `LISTEN 0 4096 10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:${1000 + i} 0.0.0.0:*`,
    );
    const file = write("huge-ss", `${rows.join("\n")}\n`);
    const t = await run(["--ss-tcp", `master-0:${file}`]);
    expect(t.code).toBe(2);
    expect(errorLine(t)).toContain("node master-0 holds more than 10000 distinct listeners");
    expect(errorLine(t)).toContain("TOO_MANY_LISTENERS");
  });

  it("exits 2 when an ss file names no node and none is given", async () => {
    const file = write("one-node-ss", "LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*\n");
    const t = await run(["--ss-tcp", file]);
    expect(t.code).toBe(2);
    expect(errorLine(t)).toContain(`for one node's capture write NODE:${file}`);
  });

  it("exits 2 on a /proc directory that holds one node's files but no node name", async () => {
    const root = join(dir, "proc-unnamed");
    procDir(root, "x", [], "flat");
    const t = await run(["--proc-net", join(root, "x")]);
    expect(t.code).toBe(2);
    expect(errorLine(t)).toContain(`--proc-net NODE:${join(root, "x")}`);
  });

  it("skips malformed lines, pushes the rest, and says on stderr how many and which", async () => {
    const text = [
      "node: master-0",
      'LISTEN 0 4096 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3))',
      "LISTEN 0 4096 0.0.0.0:notaport 0.0.0.0:*",
      "garbage",
      "LISTEN 0 4096 127.0.0.1:29103 0.0.0.0:*",
    ].join("\n");
    const t = await run(["--ss-tcp", write("broken-ss", text)]);
    expect(t.code).toBe(0);
    expect(
      lastAccepted()
        .nodeListeners?.[0]?.listeners.map((l) => l.port)
        .sort(),
    ).toEqual([22, 29103]);
    const warning = t.logs.find((l) => String(l.msg).startsWith("skipped lines of a listener input"));
    expect(warning).toMatchObject({ level: "warn", skipped: 2 });
    expect(((warning?.issues ?? []) as { line: number }[]).map((i) => i.line)).toEqual([3, 4]);
  });
});
