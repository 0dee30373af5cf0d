import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KubeConfigError, loadKubeConfig } from "../../agents/src/kube/config.js";

const dir = mkdtempSync(join(tmpdir(), "portolan-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kubeconfig = join(dir, "config");
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- { name: a, cluster: { server: "https://a.example:6443" } }
- { name: b, cluster: { server: "https://b.example:6443" } }
users:
- { name: u, user: { token: t } }
contexts:
- { name: ctx-a, context: { cluster: a, user: u } }
- { name: ctx-b, context: { cluster: b, user: u } }
current-context: ctx-a
`,
);

describe("finding the Kubernetes API", () => {
  it("uses --kubeconfig and its current context", () => {
    expect(loadKubeConfig({ kubeconfig }, {})).toMatchObject({
      source: "kubeconfig",
      server: "https://a.example:6443",
    });
  });

  it("switches to --context", () => {
    expect(loadKubeConfig({ kubeconfig, context: "ctx-b" }, {}).server).toBe("https://b.example:6443");
  });

  it("names the contexts there are when --context is unknown", () => {
    expect(() => loadKubeConfig({ kubeconfig, context: "prod" }, {})).toThrow(KubeConfigError);
    expect(() => loadKubeConfig({ kubeconfig, context: "prod" }, {})).toThrow(/it has: ctx-a, ctx-b/);
  });

  it("says so clearly when the kubeconfig cannot be read", () => {
    expect(() => loadKubeConfig({ kubeconfig: join(dir, "missing") }, {})).toThrow(
      /cannot read the Kubernetes configuration/,
    );
  });

  it("in a pod, uses the service account's token and the cluster's CA", () => {
    const root = join(dir, "pod");
    const sa = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, "token"), "sa-token");
    writeFileSync(join(sa, "ca.crt"), "ca");
    writeFileSync(join(sa, "namespace"), "portolan-agent");
    // client-node reads the service host and port from process.env itself.
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = "10.96.0.1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    try {
      const loaded = loadKubeConfig({}, process.env, root);
      expect(loaded).toMatchObject({ source: "in-cluster", server: "https://10.96.0.1:443" });
      expect(loaded.config.getCurrentUser()?.authProvider).toMatchObject({
        config: { tokenFile: join(sa, "token") },
      });
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });
});
