/**
 * The test API server must behave like a real one where the agent depends on it, or every other
 * agent test proves nothing. kubectl (when installed) is the independent judge.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureNodes, fixturePods } from "./helpers/fixtures.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";

const run = promisify(execFile);
const KUBECTL = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));
if (!KUBECTL) console.log("kubectl not found: the kubectl compatibility test is skipped");

let server: KubeTestServer;
let dir: string;

beforeAll(async () => {
  server = await startKubeTestServer();
  for (const node of fixtureNodes()) server.apply("nodes", node);
  for (const pod of fixturePods()) server.apply("pods", pod);
  dir = mkdtempSync(join(tmpdir(), "portolan-kube-"));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items?: unknown[] } };
};

describe("the Kubernetes-API-compatible test server", () => {
  it("serves discovery: /api, /apis and /api/v1", async () => {
    expect((await get("/api")).body).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    expect((await get("/apis")).body).toMatchObject({ kind: "APIGroupList", groups: [] });
    const v1 = (await get("/api/v1")).body as { resources: { name: string }[] };
    expect(v1.resources.map((r) => r.name)).toEqual(["nodes", "pods"]);
  });

  it("pages a LIST with limit and continue, every page carrying the first page's resourceVersion", async () => {
    const first = await get("/api/v1/pods?limit=7");
    const meta = first.body.metadata as { resourceVersion: string; continue?: string };
    expect(first.body.items).toHaveLength(7);
    expect(meta.continue).toBeTruthy();
    server.apply("nodes", { metadata: { name: "extra" } }); // moves the version on
    const second = await get(`/api/v1/pods?limit=7&continue=${meta.continue}`);
    const meta2 = second.body.metadata as { resourceVersion: string; continue?: string };
    expect(meta2.resourceVersion).toBe(meta.resourceVersion);
    const third = await get(`/api/v1/pods?limit=7&continue=${meta2.continue}`);
    expect((third.body.metadata as { continue?: string }).continue).toBeUndefined();
    expect(first.body.items!.length + second.body.items!.length + third.body.items!.length).toBe(18);
    server.remove("nodes", "extra");
  });

  it("filters with field selectors, and refuses fields a real API server does not index", async () => {
    const running = await get(
      "/api/v1/pods?fieldSelector=status.phase%21%3DSucceeded,status.phase%21%3DFailed",
    );
    expect(running.body.items).toHaveLength(16);
    const onWorker = await get("/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1");
    expect(onWorker.body.items!.length).toBeGreaterThan(0);
    const hostNetwork = await get("/api/v1/pods?fieldSelector=spec.hostNetwork%3Dtrue");
    expect(
      hostNetwork.body.items!.every((p) => (p as { spec: { hostNetwork?: boolean } }).spec.hostNetwork),
    ).toBe(true);
    expect((await get("/api/v1/pods?fieldSelector=spec.containers%3Dx")).status).toBe(400);
  });

  it("answers 410 Gone for a continue token older than the last compaction", async () => {
    const first = await get("/api/v1/pods?limit=5");
    server.apply("nodes", { metadata: { name: "extra" } });
    server.compact(); // history up to after the first page is gone
    server.remove("nodes", "extra");
    const stale = await get(
      `/api/v1/pods?limit=5&continue=${(first.body.metadata as { continue: string }).continue}`,
    );
    expect(stale.status).toBe(410);
    expect(stale.body).toMatchObject({ kind: "Status", reason: "Expired", code: 410 });
  });

  it("streams watch events from a resourceVersion, with bookmarks, and 410 Gone after compaction", async () => {
    const since = server.resourceVersion;
    server.apply("pods", {
      metadata: { name: "w1", namespace: "default" },
      spec: {},
      status: { phase: "Running" },
    });
    const controller = new AbortController();
    const res = await fetch(
      `${server.url}/api/v1/pods?watch=true&resourceVersion=${since}&allowWatchBookmarks=true`,
      {
        signal: controller.signal,
      },
    );
    const reader = res.body!.getReader();
    const lines = readLines(reader);
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({
      type: "ADDED",
      object: { metadata: { name: "w1" } },
    });
    server.remove("pods", "default/w1");
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ type: "DELETED" });
    server.sendBookmarks();
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({
      type: "BOOKMARK",
      object: { metadata: { resourceVersion: String(server.resourceVersion) } },
    });
    controller.abort();

    server.compact();
    const gone = await fetch(`${server.url}/api/v1/pods?watch=true&resourceVersion=${since}`);
    const event = JSON.parse((await gone.text()).trim());
    expect(event).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
  });

  it("turns an object leaving a watch's field selection into DELETED", async () => {
    const pod = { metadata: { name: "job", namespace: "default" }, spec: {}, status: { phase: "Running" } };
    server.apply("pods", pod);
    const since = server.resourceVersion;
    const controller = new AbortController();
    const res = await fetch(
      `${server.url}/api/v1/pods?watch=true&resourceVersion=${since}&fieldSelector=status.phase!%3DSucceeded`,
      { signal: controller.signal },
    );
    const lines = readLines(res.body!.getReader());
    server.apply("pods", { ...pod, status: { phase: "Succeeded" } });
    expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ type: "DELETED" });
    controller.abort();
    server.remove("pods", "default/job");
  });

  it.skipIf(!KUBECTL)("is good enough for `kubectl get pods -A -o json`", async () => {
    const kubeconfig = server.writeKubeconfig(join(dir, "kubeconfig"));
    const before = server.requests.length;
    const { stdout } = await run(
      KUBECTL as string,
      ["--kubeconfig", kubeconfig, "get", "pods", "-A", "-o", "json"],
      {
        env: { ...process.env, HOME: dir, KUBECACHEDIR: join(dir, "cache") },
      },
    );
    const list = JSON.parse(stdout) as { items: { metadata: { name: string } }[] };
    expect(list.items).toHaveLength(server.count("pods"));
    expect(list.items.length).toBeGreaterThanOrEqual(18);
    const pages = server.requests.slice(before).filter((r) => r.path === "/api/v1/pods");
    expect(pages[0]?.query.limit).toBe("500");
  });
});

async function* readLines(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const newline = buffer.indexOf("\n");
    if (newline >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      continue;
    }
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
  }
}
