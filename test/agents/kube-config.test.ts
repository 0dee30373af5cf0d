import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
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
  it("uses --kubeconfig and its current context", async () => {
    expect(await loadKubeConfig({ kubeconfig }, {})).toMatchObject({
      source: "kubeconfig",
      server: "https://a.example:6443",
      access: { auth: { kind: "token", token: "t" } },
    });
  });

  it("switches to --context", async () => {
    expect((await loadKubeConfig({ kubeconfig, context: "ctx-b" }, {})).server).toBe(
      "https://b.example:6443",
    );
  });

  it("names the contexts there are when --context is unknown", async () => {
    await expect(loadKubeConfig({ kubeconfig, context: "prod" }, {})).rejects.toThrow(KubeConfigError);
    await expect(loadKubeConfig({ kubeconfig, context: "prod" }, {})).rejects.toThrow(/it has: ctx-a, ctx-b/);
  });

  it("says so clearly when the kubeconfig cannot be read", async () => {
    await expect(loadKubeConfig({ kubeconfig: join(dir, "missing") }, {})).rejects.toThrow(
      /cannot read the Kubernetes configuration/,
    );
  });

  it("says so clearly when there is no kubeconfig and no service account", async () => {
    await expect(loadKubeConfig({}, { HOME: join(dir, "nowhere") })).rejects.toThrow(
      /no Kubernetes cluster configured/,
    );
  });

  it("in a pod, uses the service account's token file and the cluster's CA", async () => {
    const root = join(dir, "pod");
    const sa = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, "token"), "sa-token");
    writeFileSync(join(sa, "ca.crt"), "ca");
    writeFileSync(join(sa, "namespace"), "portolan-agent");
    const env = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
    const loaded = await loadKubeConfig({}, env, root);
    expect(loaded).toMatchObject({ source: "in-cluster", server: "https://10.96.0.1:443" });
    expect(loaded.access.auth).toEqual({ kind: "token-file", path: join(sa, "token") });
    expect(loaded.access.tls).toEqual({ ca: "ca", insecure: false });
    // An IPv6 service address is bracketed in the URL.
    const v6 = await loadKubeConfig(
      {},
      { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
      root,
    );
    expect(v6.server).toBe("https://[fd00::1]:443");
  });

  it("reads certificates as base64 data or as files relative to the kubeconfig", async () => {
    const sub = join(dir, "certs");
    mkdirSync(join(sub, "pki"), { recursive: true });
    writeFileSync(join(sub, "pki/ca.pem"), "CA PEM");
    writeFileSync(join(sub, "pki/client.pem"), "CERT PEM");
    const file = join(sub, "config");
    writeFileSync(
      file,
      `clusters:
- name: c
  cluster: { server: "https://c.example:6443/", certificate-authority: pki/ca.pem, tls-server-name: api.c }
users:
- name: u
  user: { client-certificate: pki/client.pem, client-key-data: ${Buffer.from("KEY PEM").toString("base64")} }
contexts:
- { name: x, context: { cluster: c, user: u } }
current-context: x
`,
    );
    const { access } = await loadKubeConfig({ kubeconfig: file }, {});
    expect(access).toEqual({
      server: "https://c.example:6443",
      tls: { ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM", insecure: false, serverName: "api.c" },
      auth: { kind: "none" },
    });
  });

  it("merges the files of KUBECONFIG: the first to name an entry or a current context wins", async () => {
    const first = join(dir, "first");
    const second = join(dir, "second");
    writeFileSync(
      first,
      `clusters:
- { name: a, cluster: { server: "https://first.example" } }
users:
- { name: u, user: { username: admin, password: secret } }
`,
    );
    writeFileSync(
      second,
      `clusters:
- { name: a, cluster: { server: "https://second.example" } }
- { name: b, cluster: { server: "https://b.example" } }
users:
- { name: u, user: { token: from-second } }
contexts:
- { name: ctx, context: { cluster: a, user: u } }
current-context: ctx
`,
    );
    const env = { KUBECONFIG: [join(dir, "absent"), first, second].join(delimiter) };
    const loaded = await loadKubeConfig({}, env);
    expect(loaded).toMatchObject({ source: "default", server: "https://first.example" });
    expect(loaded.access.auth).toEqual({ kind: "basic", username: "admin", password: "secret" });
  });

  it("reads an exec plugin, and leaves the auth-providers it does not implement to client-node", async () => {
    const file = join(dir, "plugins");
    mkdirSync(join(dir, "certs"), { recursive: true });
    writeFileSync(join(dir, "certs/u.crt"), "PEM");
    writeFileSync(
      file,
      `clusters:
- { name: c, cluster: { server: "https://c.example" } }
users:
- name: exec
  user:
    exec: { apiVersion: client.authentication.k8s.io/v1, command: bin/get-token, args: [--cluster, c], env: [{ name: A, value: b }] }
- name: gcp
  user: { auth-provider: { name: gcp, config: { cmd-path: gcloud } }, client-certificate: certs/u.crt }
- name: oidc-static
  user: { auth-provider: { name: oidc, config: { id-token: idt } } }
- name: oidc-refresh
  user: { auth-provider: { name: oidc, config: { id-token: idt, refresh-token: r, idp-issuer-url: "https://idp" } } }
contexts:
- { name: exec, context: { cluster: c, user: exec } }
- { name: gcp, context: { cluster: c, user: gcp } }
- { name: oidc-static, context: { cluster: c, user: oidc-static } }
- { name: oidc-refresh, context: { cluster: c, user: oidc-refresh } }
current-context: exec
`,
    );
    expect((await loadKubeConfig({ kubeconfig: file }, {})).access.auth).toEqual({
      kind: "exec",
      plugin: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "bin/get-token",
        args: ["--cluster", "c"],
        env: [{ name: "A", value: "b" }],
        dir,
      },
    });
    const gcp = (await loadKubeConfig({ kubeconfig: file, context: "gcp" }, {})).access.auth;
    expect(gcp).toMatchObject({ kind: "client-node", context: "gcp", provider: "gcp" });
    // The document client-node reads: this context alone, every key of the user kept, paths absolute.
    expect(gcp.kind === "client-node" && JSON.parse(gcp.kubeconfig)).toEqual({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "gcp",
      clusters: [{ name: "c", cluster: { server: "https://c.example" } }],
      users: [
        {
          name: "gcp",
          user: {
            "auth-provider": { name: "gcp", config: { "cmd-path": "gcloud" } },
            "client-certificate": join(dir, "certs/u.crt"),
          },
        },
      ],
      contexts: [{ name: "gcp", context: { cluster: "c", user: "gcp" } }],
    });
    expect((await loadKubeConfig({ kubeconfig: file, context: "oidc-static" }, {})).access.auth).toEqual({
      kind: "token",
      token: "idt",
    });
    expect(
      (await loadKubeConfig({ kubeconfig: file, context: "oidc-refresh" }, {})).access.auth,
    ).toMatchObject({ kind: "client-node", provider: "oidc" });
  });
});
