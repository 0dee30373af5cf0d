import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../../src/contract/csv.js";
import { mergeNodeListeners, parseSsNodes } from "../../../src/contract/listener-parsers/ss.js";
import type { NodeListeners, ObservedListener } from "../../../src/contract/listeners.js";
import {
  listenerMatrix,
  type MatrixNode,
  nodeRoleOf,
  withoutLoopback,
} from "../../../src/domain/listener-matrix.js";
import { diffMatrix, parseMatrixBaseline } from "../../../src/domain/listener-matrix-diff.js";
import type { AllocationView } from "../../../src/domain/views.js";
import { listenerMatrixCsv, listenerMatrixJson } from "../../../src/render/listener-matrix.js";
import { tcpListener } from "../../fixtures/listeners.js";
import { sharedInputDir } from "../../helpers/shared-inputs.js";

const shared = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");
const read = (path: string) => readFileSync(join(shared.dir, "commatrix", path), "utf8");

/** NodeListeners of one of commatrix's captures, through the product's ss parser. */
function capture(dir: string): NodeListeners[] {
  const parse = (file: string, protocol: "TCP" | "UDP") => {
    const parsed = parseSsNodes(read(`ci-evidence/${dir}/${file}`), protocol);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };
  const merged = mergeNodeListeners(parse("raw-ss-tcp", "TCP"), parse("raw-ss-udp", "UDP"));
  if (!merged.ok) throw new Error(merged.message);
  return merged.value;
}

const asMatrixNodes = (nodes: NodeListeners[], role: (node: string) => string): MatrixNode[] =>
  nodes.map((n) => ({ ...n, role: role(n.node) }));

/** A CSV's records as objects by header, for comparing chosen columns. */
function csvObjects(text: string): Record<string, string>[] {
  const parsed = parseCsv(text);
  if (!parsed.ok) throw new Error(parsed.message);
  const [header = [], ...records] = parsed.records;
  return records.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ""])));
}

const pick = (rows: Record<string, string>[], columns: string[]) =>
  rows.map((r) => columns.map((c) => r[c]).join(",")).sort();

describe.skipIf(!shared.present)(
  "the node listener matrix against commatrix's own parse of a single-node run",
  () => {
    // Read when the tests run, not while they are collected: a skipped block's body is still called.
    let nodes: MatrixNode[] = [];
    let expected: Record<string, string>[] = [];
    beforeAll(() => {
      nodes = asMatrixNodes(capture("bm-sno-5.0"), () => "master");
      expected = csvObjects(read("ci-evidence/bm-sno-5.0/ss-generated-matrix.csv"));
    });

    it("has the same Protocol, Port and NodeGroup rows, loopback dropped as commatrix drops it", () => {
      const ours = csvObjects(listenerMatrixCsv(listenerMatrix(nodes.map(withoutLoopback), [])));
      expect(ours).toHaveLength(38);
      expect(pick(ours, ["Protocol", "Port", "NodeGroup"])).toEqual(
        pick(expected, ["Protocol", "Port", "NodeGroup"]),
      );
    });

    it("names the Service by the first process, as commatrix does, and writes its other fixed columns alike", () => {
      // Namespace, Pod and Container come from commatrix's crictl lookup: an ss capture cannot fill them.
      const columns = ["Direction", "Protocol", "Port", "Service", "NodeGroup", "Optional"];
      const ours = csvObjects(listenerMatrixCsv(listenerMatrix(nodes.map(withoutLoopback), [])));
      expect(pick(ours, columns)).toEqual(pick(expected, columns));
      expect(Object.keys(ours[0] ?? {})).toEqual(Object.keys(expected[0] ?? {}));
    });

    it("keeps loopback listeners in its own rows and leaves them out of the CSV", () => {
      const rows = listenerMatrix(nodes, []);
      const ovnkube = rows.find((r) => r.protocol === "TCP" && r.port === 29103);
      expect(ovnkube).toMatchObject({
        scopes: ["loopback"],
        processes: ["ovnkube"],
        declared: false,
        nodes: 1,
      });
      expect(pick(csvObjects(listenerMatrixCsv(rows)), ["Protocol", "Port"])).toEqual(
        pick(expected, ["Protocol", "Port"]),
      );
    });

    it("diffs clean against commatrix's CSV, and flags a new undeclared listener", () => {
      const baseline = parseMatrixBaseline(read("ci-evidence/bm-sno-5.0/ss-generated-matrix.csv"));
      if (!baseline.ok) throw new Error(baseline.message);
      expect(diffMatrix(listenerMatrix(nodes, []), baseline.baseline)).toEqual({
        added: [],
        removed: [],
        newUndeclared: [],
      });
      const extra: ObservedListener = {
        protocol: "TCP",
        address: "0.0.0.0",
        family: 4,
        port: 4444,
        scope: "wildcard",
        processes: [{ name: "nc" }],
      };
      const first = nodes[0] as MatrixNode;
      const grown = [{ ...first, listeners: [...first.listeners, extra] }];
      const diff = diffMatrix(listenerMatrix(grown, []), baseline.baseline);
      expect(diff.added.map((r) => r.port)).toEqual([4444]);
      expect(diff.newUndeclared.map((r) => r.port)).toEqual([4444]);
    });
  },
);

describe("the node listener matrix", () => {
  const l = tcpListener;
  const alloc = (node: string, pod: string, hostPort: number): AllocationView => ({
    node,
    namespace: "ns",
    pod,
    ownerKind: "DaemonSet",
    ownerName: "exp",
    container: "main",
    protocol: "TCP",
    hostIP: "0.0.0.0",
    hostPort,
    hostNetwork: true,
  });

  it("counts nodes per role, folds IPv4 and IPv6 sockets of a port, and marks undeclared ones", () => {
    const nodes: MatrixNode[] = [
      {
        node: "w1",
        role: "worker",
        attribution: "none",
        listeners: [l(9100, "0.0.0.0"), l(9100, "::"), l(22, "0.0.0.0")],
      },
      { node: "w2", role: "worker", attribution: "none", listeners: [l(9100, "10.0.0.2"), l(22, "0.0.0.0")] },
      { node: "m1", role: "master", attribution: "none", listeners: [l(22, "0.0.0.0")] },
    ];
    const rows = listenerMatrix(nodes, [alloc("w1", "exp-a", 9100), alloc("w2", "exp-b", 9100)]);
    expect(rows.map((r) => [r.nodeRole, r.port, r.scopes, r.declared, r.nodes])).toEqual([
      ["master", 22, ["wildcard"], false, 1],
      ["worker", 22, ["wildcard"], false, 2],
      ["worker", 9100, ["wildcard", "address"], true, 2],
    ]);
  });

  it("lists every pod attributed, and writes the first into commatrix's pod columns", () => {
    const pod = (name: string) => ({
      pod: { namespace: "openshift-monitoring", name, container: "kube-rbac-proxy" },
    });
    const nodes: MatrixNode[] = [
      {
        node: "w1",
        role: "worker",
        attribution: "pod",
        listeners: [l(9100, "10.0.0.1", { processes: [{ name: "kube-rbac-proxy" }], ...pod("exp-a") })],
      },
      {
        node: "w2",
        role: "worker",
        attribution: "pod",
        listeners: [l(9100, "10.0.0.2", { processes: [{ name: "kube-rbac-proxy" }], ...pod("exp-b") })],
      },
    ];
    const rows = listenerMatrix(nodes, []);
    expect(rows[0]?.pods.map((p) => p.name)).toEqual(["exp-a", "exp-b"]);
    expect(rows[0]?.classes).toEqual(["undeclared-host-network"]);
    expect(listenerMatrixCsv(rows).split("\n")[1]).toBe(
      "Ingress,TCP,9100,openshift-monitoring,kube-rbac-proxy,exp-a,kube-rbac-proxy,worker,false",
    );
  });

  it("reads a node's role from its node-role labels", () => {
    expect(nodeRoleOf({ "node-role.kubernetes.io/master": "", "node-role.kubernetes.io/worker": "" })).toBe(
      "master",
    );
    expect(nodeRoleOf({ "node-role.kubernetes.io/control-plane": "" })).toBe("master");
    expect(nodeRoleOf({ "node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/infra": "" })).toBe(
      "worker",
    );
    expect(nodeRoleOf({ "node-role.kubernetes.io/infra": "" })).toBe("infra");
    expect(nodeRoleOf({ "kubernetes.io/hostname": "a" })).toBe("");
  });

  it("reads back its own JSON export as a baseline, and gates on a listener that lost its declaration", () => {
    const nodes: MatrixNode[] = [
      {
        node: "w1",
        role: "worker",
        attribution: "none",
        listeners: [l(9100, "0.0.0.0"), l(29103, "127.0.0.1")],
      },
    ];
    const before = listenerMatrix(nodes, [alloc("w1", "exp", 9100)]);
    const baseline = parseMatrixBaseline(listenerMatrixJson("c1", before));
    if (!baseline.ok) throw new Error(baseline.message);
    expect(diffMatrix(before, baseline.baseline)).toEqual({ added: [], removed: [], newUndeclared: [] });
    const after = listenerMatrix(nodes, []);
    const diff = diffMatrix(after, baseline.baseline);
    expect([diff.added, diff.removed]).toEqual([[], []]);
    expect(diff.newUndeclared.map((r) => r.port)).toEqual([9100]);
  });

  it("reports rows gone since the baseline", () => {
    const baseline = parseMatrixBaseline(
      "Direction,Protocol,Port,Namespace,Service,Pod,Container,Node Role,Optional\nIngress,TCP,22,Host system service,sshd,,,worker,TRUE\n",
    );
    if (!baseline.ok) throw new Error(baseline.message);
    expect(diffMatrix([], baseline.baseline).removed).toEqual([
      { nodeRole: "worker", protocol: "TCP", port: 22 },
    ]);
  });

  it.each([
    ["a CSV without a role column", "Protocol,Port\nTCP,22\n", /NodeGroup/],
    ["a CSV with a port that is not one", "Protocol,Port,NodeGroup\nTCP,http,worker\n", /not a port/],
    [
      "a CSV with an open quote",
      'Protocol,Port,NodeGroup\n"TCP,22,worker\n',
      /line 2: a quoted field is not closed/,
    ],
    ["JSON that is not an export", '{"rows": 1}', /export/],
    [
      "JSON with a bad row",
      '{"kind":"portolan.listener-matrix","version":1,"rows":[{"port":"22"}]}',
      /row 0/,
    ],
  ])("refuses %s", (_name, text, message) => {
    const parsed = parseMatrixBaseline(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe.skipIf(!shared.present)(
  "OpenShift's documented bare-metal matrix against the 3-master/3-worker capture",
  () => {
    it("reads the `Node Role` header variant and compares by role", () => {
      const roles = (node: string) => (node.startsWith("master") ? "master" : "worker");
      const rows = listenerMatrix(
        asMatrixNodes(capture("bm-3master-3worker-4.23"), roles).map(withoutLoopback),
        [],
      );
      const baseline = parseMatrixBaseline(read("docs/stable/raw/bm.csv"));
      if (!baseline.ok) throw new Error(baseline.message);
      const diff = diffMatrix(rows, baseline.baseline);
      // The host daemons every node runs are in the documented matrix on both roles.
      for (const [role, port] of [
        ["master", 22],
        ["worker", 22],
        ["master", 10250],
        ["worker", 10250],
      ] as const) {
        expect(diff.added.some((r) => r.nodeRole === role && r.port === port)).toBe(false);
      }
      expect(
        rows.find((r) => r.nodeRole === "worker" && r.protocol === "TCP" && r.port === 10250)?.nodes,
      ).toBe(3);
    });
  },
);
