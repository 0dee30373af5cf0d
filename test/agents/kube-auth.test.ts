/**
 * The credentials the agent's Kubernetes client sends, against the test API server: a service-account
 * token file read again after the kubelet rotates it, an exec credential plugin's token, reused
 * until it expires, and the token of a kubeconfig auth-provider, which @kubernetes/client-node gives.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeAccess } from "../../agents/src/kube/access.js";
import { loadKubeConfig } from "../../agents/src/kube/config.js";
import { KubeHttp } from "../../agents/src/kube/http.js";
import { type KubeTestServer, startKubeTestServer } from "./helpers/kube-test-server.js";

const dir = mkdtempSync(join(tmpdir(), "portolan-kube-auth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: KubeTestServer;
beforeEach(async () => {
  server = await startKubeTestServer();
});
afterEach(() => server.close());

const access = (auth: KubeAccess["auth"]): KubeAccess => ({
  server: server.url,
  tls: { insecure: false },
  auth,
});
const authorizations = () => server.requests.map((r) => r.authorization);

/** A credential plugin (a Node script) that counts its runs and prints a token expiring at `expires`. */
function plugin(name: string, expires: string | undefined) {
  const script = join(dir, `${name}.mjs`);
  const runs = join(dir, `${name}.runs`);
  writeFileSync(runs, "");
  writeFileSync(
    script,
    `import { appendFileSync } from "node:fs";
appendFileSync(${JSON.stringify(runs)}, "x");
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
const status = { token: "exec-" + process.argv[2] + "-" + process.env.EXTRA${expires ? `, expirationTimestamp: ${JSON.stringify(expires)}` : ""} };
console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: "ExecCredential", status }));
`,
  );
  return {
    auth: {
      kind: "exec" as const,
      plugin: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: process.execPath,
        args: [script, name],
        env: [{ name: "EXTRA", value: "env" }],
        dir,
      },
    },
    runs: () => readFileSync(runs, "utf8").length,
  };
}

describe("credentials sent to the API server", () => {
  it("an exec plugin's token, with its args and env, reused until it expires", async () => {
    const lasting = plugin("lasting", "2999-01-01T00:00:00Z");
    const api = new KubeHttp(access(lasting.auth));
    await api.json("/api/v1");
    await api.json("/api/v1");
    expect(authorizations()).toEqual(["Bearer exec-lasting-env", "Bearer exec-lasting-env"]);
    expect(lasting.runs()).toBe(1);

    const expired = plugin("expired", "2000-01-01T00:00:00Z");
    const again = new KubeHttp(access(expired.auth));
    await again.json("/api/v1");
    await again.json("/api/v1");
    expect(expired.runs()).toBe(2);
  });

  it("a plugin that fails is named in the error, and run again on the next request", async () => {
    const failing = {
      kind: "exec" as const,
      plugin: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: process.execPath,
        args: ["-e", "process.exit(3)"],
        env: [],
        dir,
      },
    };
    const api = new KubeHttp(access(failing));
    await expect(api.json("/api/v1")).rejects.toThrow(/credential plugin .* failed/);
    await expect(api.json("/api/v1")).rejects.toThrow(/credential plugin .* failed/);
    expect(server.requests).toEqual([]);
  });

  it("the service account's token file, read again once the kubelet may have rotated it", async () => {
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, "first\n");
    let now = 0;
    const api = new KubeHttp(access({ kind: "token-file", path: tokenFile }), () => now);
    await api.json("/api/v1");
    writeFileSync(tokenFile, "second\n");
    now = 30_000;
    await api.json("/api/v1");
    now = 61_000;
    await api.json("/api/v1");
    expect(authorizations()).toEqual(["Bearer first", "Bearer first", "Bearer second"]);
  });

  it("username and password as basic auth", async () => {
    const api = new KubeHttp(access({ kind: "basic", username: "admin", password: "secret" }));
    await api.json("/api/v1");
    expect(authorizations()).toEqual([`Basic ${Buffer.from("admin:secret").toString("base64")}`]);
  });
});

describe("an auth-provider's token, from @kubernetes/client-node", () => {
  /** A kubeconfig for the test server whose user is an auth-provider (gcp unless named) with `config`. */
  function gcpKubeconfig(name: string, config: Record<string, string>, provider = "gcp"): string {
    const file = join(dir, `${name}.kubeconfig`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: { server: server.url } }],
        users: [{ name: "u", user: { "auth-provider": { name: provider, config } } }],
        contexts: [{ name: name, context: { cluster: "c", user: "u" } }],
        "current-context": name,
      }),
    );
    return file;
  }

  it("a gcp auth-provider's access-token that has not expired is sent as is", async () => {
    const kubeconfig = gcpKubeconfig("gcp-valid", {
      "access-token": "ya29.valid",
      expiry: "2999-01-01T00:00:00Z",
    });
    const { access } = await loadKubeConfig({ kubeconfig }, {});
    expect(access.auth.kind).toBe("client-node");
    const api = new KubeHttp(access);
    await api.json("/api/v1");
    await api.json("/api/v1");
    expect(authorizations()).toEqual(["Bearer ya29.valid", "Bearer ya29.valid"]);
  });

  it("an expired gcp access-token is renewed by its cmd-path, once, and the new token sent", async () => {
    const script = join(dir, "gcloud.mjs");
    const runs = join(dir, "gcloud.runs");
    writeFileSync(runs, "");
    writeFileSync(
      script,
      `import { appendFileSync } from "node:fs";
appendFileSync(${JSON.stringify(runs)}, "x");
console.log(JSON.stringify({ credential: { access_token: "ya29.renewed", token_expiry: "2999-01-01T00:00:00Z" } }));
`,
    );
    const kubeconfig = gcpKubeconfig("gcp-expired", {
      "access-token": "ya29.expired",
      expiry: "2000-01-01T00:00:00Z",
      "cmd-path": process.execPath,
      "cmd-args": script,
      "token-key": "{.credential.access_token}",
      "expiry-key": "{.credential.token_expiry}",
    });
    const api = new KubeHttp((await loadKubeConfig({ kubeconfig }, {})).access);
    await api.json("/api/v1");
    await api.json("/api/v1");
    expect(authorizations()).toEqual(["Bearer ya29.renewed", "Bearer ya29.renewed"]);
    expect(readFileSync(runs, "utf8")).toBe("x");
  });

  it("an auth-provider client-node does not know fails the request by name, and nothing is sent", async () => {
    const kubeconfig = gcpKubeconfig("custom", { "access-token": "t" }, "custom-sso");
    const api = new KubeHttp((await loadKubeConfig({ kubeconfig }, {})).access);
    await expect(api.json("/api/v1")).rejects.toThrow(/no credential for the auth-provider "custom-sso"/);
    expect(server.requests).toEqual([]);
  });
});
