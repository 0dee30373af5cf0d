/**
 * --from-file on kubectl dumps and the live path (paginated LIST through the agent's client) must give the
 * same snapshot for the same objects. Where kubectl is installed, kubectl itself makes the dumps.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Snapshot } from "../../src/contract/snapshot.js";
import { startTestAgent } from "./helpers/agent.js";
import { FIXTURES_DIR, fixtureIngressControllers, fixtureNodes, fixturePods } from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";

const exec = promisify(execFile);
const KUBECTL = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));
if (!KUBECTL) console.log("kubectl not found: the comparison with kubectl-made dumps is skipped");

let kube: KubeTestServer;
let dir: string;
let kubeconfig: string;
let live: Snapshot;

/** The state only: observedAt and the agent's mode differ by design. */
const state = (s: Snapshot) => ({ cluster: s.cluster, nodes: s.nodes, pods: s.pods });

async function snapshotOf(args: string[]): Promise<Snapshot> {
  const t = await startTestAgent(["--cluster", "prod-eu-1", "--dry-run", ...args]);
  expect(await t.agent.done).toBe(0);
  expect(t.output).toHaveLength(1);
  return JSON.parse(t.output[0] as string) as Snapshot;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portolan-dump-"));
  kube = await startKubeTestServer();
  for (const node of fixtureNodes()) kube.apply("nodes", node);
  for (const pod of fixturePods()) kube.apply("pods", pod);
  kubeconfig = kube.writeKubeconfig(join(dir, "kubeconfig"));
  // Small pages so the live path really paginates.
  live = await snapshotOf(["--once", "--kubeconfig", kubeconfig, "--page-size", "4"]);
});

afterAll(async () => {
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, document: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
};

/** What the test server holds, in the shapes kubectl prints (List with kinds) and the API serves (typed lists). */
const served = (resource: "nodes" | "pods") =>
  (resource === "nodes" ? fixtureNodes() : fixturePods()).map((o) =>
    kube.get(resource, resource === "nodes" ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`),
  );

describe("--from-file gives the live snapshot", () => {
  it("from `kubectl get nodes -o json` and `kubectl get pods -A -o json` shaped dumps", async () => {
    const nodes = write("nodes.json", {
      apiVersion: "v1",
      kind: "List",
      metadata: { resourceVersion: "" },
      items: served("nodes"),
    });
    const pods = write("pods.json", {
      apiVersion: "v1",
      kind: "List",
      metadata: { resourceVersion: "" },
      items: served("pods"),
    });
    expect(state(await snapshotOf(["--from-file", nodes, pods]))).toEqual(state(live));
  });

  it("from one combined `kubectl get nodes,pods -A -o json` List", async () => {
    const all = write("all.json", {
      apiVersion: "v1",
      kind: "List",
      items: [...served("pods"), ...served("nodes")],
    });
    expect(state(await snapshotOf(["--from-file", all]))).toEqual(state(live));
  });

  it("from a NodeList and a PodList as the API serves them", async () => {
    const strip = (o: Record<string, unknown> | undefined) => {
      const { kind: _kind, apiVersion: _apiVersion, ...rest } = o ?? {};
      return rest;
    };
    const nodes = write("nodelist.json", {
      kind: "NodeList",
      apiVersion: "v1",
      items: served("nodes").map(strip),
    });
    const pods = write("podlist.json", {
      kind: "PodList",
      apiVersion: "v1",
      items: served("pods").map(strip),
    });
    expect(state(await snapshotOf(["--from-file", pods, nodes]))).toEqual(state(live));
  });

  it.skipIf(!KUBECTL)("from dumps made by kubectl against the same API server", async () => {
    const kubectl = async (...args: string[]) =>
      (
        await exec(KUBECTL as string, ["--kubeconfig", kubeconfig, ...args, "-o", "json"], {
          env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, "kube-cache") },
          maxBuffer: 64 * 1024 * 1024,
        })
      ).stdout;
    const nodes = write("kubectl-nodes.json", JSON.parse(await kubectl("get", "nodes")));
    const pods = write("kubectl-pods.json", JSON.parse(await kubectl("get", "pods", "-A")));
    const both = write("kubectl-both.json", JSON.parse(await kubectl("get", "nodes,pods", "-A")));
    expect(state(await snapshotOf(["--from-file", nodes, pods]))).toEqual(state(live));
    expect(state(await snapshotOf(["--from-file", both]))).toEqual(state(live));
  });

  it("the live snapshot is the fixture cluster (so the comparisons above compare something)", () => {
    expect(live.nodes).toHaveLength(6);
    expect(live.pods).toHaveLength(15);
    expect(live.agent).toMatchObject({ mode: "once" });
    // Plain Kubernetes: no operator.openshift.io, so the key is left out and the hash is as before.
    expect(live).not.toHaveProperty("ingressControllers");
  });
});

describe("--from-file on OpenShift gives the live snapshot with its IngressControllers", () => {
  let openshift: KubeTestServer;
  let openshiftKubeconfig: string;
  let liveWithControllers: Snapshot;
  const withControllers = (s: Snapshot) => ({ ...state(s), ingressControllers: s.ingressControllers });

  beforeAll(async () => {
    openshift = await startKubeTestServer({ openshift: true });
    for (const node of fixtureNodes()) openshift.apply("nodes", node);
    for (const pod of fixturePods()) openshift.apply("pods", pod);
    for (const ic of fixtureIngressControllers()) openshift.apply("ingresscontrollers", ic);
    openshiftKubeconfig = openshift.writeKubeconfig(join(dir, "openshift-kubeconfig"));
    liveWithControllers = await snapshotOf([
      "--once",
      "--kubeconfig",
      openshiftKubeconfig,
      "--page-size",
      "2",
    ]);
  });

  afterAll(() => openshift.close());

  it("lists them live (the comparisons below compare something)", () => {
    expect(liveWithControllers.ingressControllers?.map((ic) => ic.name)).toEqual([
      "default",
      "internal-apps",
      "partner-lb",
    ]);
  });

  it("merges `oc get ingresscontrollers -A -o json` with the node and pod dumps", async () => {
    const nodes = write("oc-nodes.json", { apiVersion: "v1", kind: "List", items: served("nodes") });
    const pods = write("oc-pods.json", { apiVersion: "v1", kind: "List", items: served("pods") });
    const controllers = `${FIXTURES_DIR}ingresscontrollers.json`;
    expect(withControllers(await snapshotOf(["--from-file", nodes, controllers, pods]))).toEqual(
      withControllers(liveWithControllers),
    );
  });

  it("reads an IngressControllerList as the API serves it", async () => {
    const all = write("oc-all.json", {
      apiVersion: "v1",
      kind: "List",
      items: [...served("nodes"), ...served("pods")],
    });
    const list = write("ic-list.json", {
      apiVersion: "operator.openshift.io/v1",
      kind: "IngressControllerList",
      items: fixtureIngressControllers().map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest),
    });
    expect(withControllers(await snapshotOf(["--from-file", all, list]))).toEqual(
      withControllers(liveWithControllers),
    );
  });

  it("--once without the ClusterRole's IngressController rule (403) still gives the nodes and pods", async () => {
    openshift.failNext(/\/ingresscontrollers\?/, 403);
    const snapshot = await snapshotOf(["--once", "--kubeconfig", openshiftKubeconfig]);
    expect(snapshot).not.toHaveProperty("ingressControllers");
    expect(state(snapshot)).toEqual(state(liveWithControllers));
  });

  it.skipIf(!KUBECTL)(
    "from `kubectl get ingresscontrollers -A -o json` against the same API server",
    async () => {
      const { stdout } = await exec(
        KUBECTL as string,
        [
          "--kubeconfig",
          openshiftKubeconfig,
          "get",
          "nodes,pods,ingresscontrollers.operator.openshift.io",
          "-A",
          "-o",
          "json",
        ],
        {
          env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, "openshift-kube-cache") },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const dump = write("kubectl-openshift.json", JSON.parse(stdout));
      expect(withControllers(await snapshotOf(["--from-file", dump]))).toEqual(
        withControllers(liveWithControllers),
      );
    },
  );
});

describe("--from-file refuses a dump that would close histories it never saw", () => {
  const list = (items: unknown[]) => ({ apiVersion: "v1", kind: "List", items });

  /** Runs the agent on `files`; its exit status, what it printed and its error log lines. */
  async function fromFiles(files: string[], extra: string[] = []) {
    const t = await startTestAgent([
      "--cluster",
      "prod-eu-1",
      "--dry-run",
      "--from-file",
      ...files,
      ...extra,
    ]);
    const code = await t.agent.done;
    const errors = t.logs.filter((l) => l.level === "error").map((l) => String(l.msg));
    return { code, output: t.output, errors };
  }

  it("exits 2 without a snapshot when only nodes are given (pods would all close)", async () => {
    const result = await fromFiles([write("only-nodes.json", list(served("nodes")))]);
    expect(result.code).toBe(2);
    expect(result.output).toEqual([]);
    expect(result.errors.join("\n")).toMatch(/no pod list in .*only-nodes\.json.*--allow-no-pods/);
  });

  it("exits 2 when only pods are given", async () => {
    const result = await fromFiles([write("only-pods.json", list(served("pods")))]);
    expect(result.code).toBe(2);
    expect(result.output).toEqual([]);
    expect(result.errors.join("\n")).toMatch(/no node list .*kubectl get nodes -o json/);
  });

  it("refuses an empty untyped List as ambiguous (exit 2), unless --allow-no-pods says the cluster runs none", async () => {
    const nodes = write("nodes-for-empty.json", list(served("nodes")));
    const refused = await fromFiles([nodes, write("no-pods.json", list([]))]);
    expect(refused.code).toBe(2);
    expect(refused.output).toEqual([]);
    expect(refused.errors.join("\n")).toMatch(
      /no pod list .*no-pods\.json: an empty List that does not say what it lists.*--allow-no-pods/,
    );
    const said = await fromFiles([nodes, write("no-pods.json", list([]))], ["--allow-no-pods"]);
    expect(said.code).toBe(0);
    expect(JSON.parse(said.output[0] as string).pods).toEqual([]);
  });

  it("accepts an empty list that says it lists pods (PodList)", async () => {
    const nodes = write("nodes-for-empty.json", list(served("nodes")));
    const typed = await fromFiles([nodes, write("empty-podlist.json", { kind: "PodList", items: [] })]);
    expect(typed.code).toBe(0);
    expect(JSON.parse(typed.output[0] as string).pods).toEqual([]);
  });

  it("one empty List does not stand for both lists", async () => {
    expect((await fromFiles([write("empty.json", list([]))])).code).toBe(2);
  });

  it("with --allow-no-pods, a nodes-only dump gives a snapshot without pods", async () => {
    const result = await fromFiles([write("nodes-only.json", list(served("nodes")))], ["--allow-no-pods"]);
    expect(result.code).toBe(0);
    const snapshot = JSON.parse(result.output[0] as string) as Snapshot;
    expect([snapshot.nodes.length, snapshot.pods.length]).toEqual([6, 0]);
  });
});
