/**
 * The in-cluster manifests: they parse, they grant the least privilege, and they agree with the
 * agent's own flags and health routes and with the Dockerfile.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseAgentArgs } from "../../agents/src/cli/args.js";
import { receiverConfigFromEnv } from "../../agents/src/listeners/config.js";

const DEPLOY = new URL("../../agents/deploy/", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;
const KUBECTL = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));

// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML; each test reads what it checks.
type Manifest = Record<string, any>;

const files = readdirSync(DEPLOY).filter((f) => f.endsWith(".yaml"));
const manifests: Manifest[] = files
  .filter((f) => f !== "kustomization.yaml")
  .flatMap((f) =>
    parseAllDocuments(readFileSync(`${DEPLOY}${f}`, "utf8")).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest;
    }),
  );
const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const one = (kind: string) => {
  const found = byKind(kind);
  expect(found).toHaveLength(1);
  return found[0] as Manifest;
};

describe("deploy manifests", () => {
  it("parse, and each names its apiVersion, kind and name", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(7);
    for (const m of manifests) {
      expect(m.apiVersion, JSON.stringify(m)).toBeTruthy();
      expect(m.kind).toBeTruthy();
      expect(m.metadata?.name).toBeTruthy();
    }
  });

  it("are all listed in kustomization.yaml", () => {
    const kustomization = parseAllDocuments(readFileSync(`${DEPLOY}kustomization.yaml`, "utf8"))[0]?.toJS();
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((f) => f !== "kustomization.yaml").sort(),
    );
    expect(kustomization.namespace).toBe(one("Namespace").metadata.name);
  });

  it("grant nothing beyond get, list and watch on nodes, pods and OpenShift's IngressControllers, and TokenReviews", () => {
    expect(byKind("Role")).toHaveLength(0);
    const role = one("ClusterRole");
    expect(role.aggregationRule).toBeUndefined();
    const granted = new Set<string>();
    for (const rule of role.rules as Manifest[]) {
      expect(rule.nonResourceURLs).toBeUndefined();
      expect(rule.resourceNames).toBeUndefined();
      for (const group of rule.apiGroups) {
        for (const resource of rule.resources) {
          for (const verb of rule.verbs) granted.add(`${group}/${resource}:${verb}`);
        }
      }
    }
    expect([...granted].sort()).toEqual(
      [
        "/nodes:get",
        "/nodes:list",
        "/nodes:watch",
        "/pods:get",
        "/pods:list",
        "/pods:watch",
        "operator.openshift.io/ingresscontrollers:get",
        "operator.openshift.io/ingresscontrollers:list",
        "operator.openshift.io/ingresscontrollers:watch",
        // node readers' reports: whose token is it (agents/src/listeners/authenticate.ts)
        "authentication.k8s.io/tokenreviews:create",
      ].sort(),
    );
  });

  it("bind that role to the agent's service account only", () => {
    const binding = one("ClusterRoleBinding");
    expect(byKind("RoleBinding")).toHaveLength(0);
    expect(binding.roleRef).toMatchObject({ kind: "ClusterRole", name: one("ClusterRole").metadata.name });
    expect(binding.subjects).toEqual([
      {
        kind: "ServiceAccount",
        name: one("ServiceAccount").metadata.name,
        namespace: one("Namespace").metadata.name,
      },
    ]);
  });

  it("run one small, non-root replica with a read-only root filesystem and no capabilities", () => {
    const deployment = one("Deployment");
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe(one("ServiceAccount").metadata.name);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.hostNetwork).toBeUndefined();
    const [container] = pod.containers as Manifest[];
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container?.resources.limits.memory).toBeTruthy();
  });

  it("cap V8's heap inside the container's memory limit, leaving room for what lives outside it", () => {
    const container = one("Deployment").spec.template.spec.containers[0] as Manifest;
    const options = (container.env as { name: string; value: string }[]).find(
      (e) => e.name === "NODE_OPTIONS",
    )?.value;
    const mib = (flag: string) => Number(new RegExp(`--${flag}=(\\d+)`).exec(options ?? "")?.[1]);
    const limit = /^(\d+)Mi$/.exec(container.resources.limits.memory as string)?.[1];
    // Old generation + three young semi-spaces, and ~150 MiB for node itself, code and buffers.
    const heap = mib("max-old-space-size") + 3 * mib("max-semi-space-size");
    expect(heap).toBeGreaterThan(0);
    expect(heap + 150).toBeLessThanOrEqual(Number(limit));
  });

  it("pass flags the agent accepts, with the ConfigMap as its environment", () => {
    const container = one("Deployment").spec.template.spec.containers[0] as Manifest;
    const env = one("ConfigMap").data as Record<string, string>;
    const parsed = parseAgentArgs(container.args, env);
    expect(parsed.kind).toBe("run");
    if (parsed.kind !== "run") return;
    expect(parsed.config).toMatchObject({
      mode: "watch",
      healthPort: 9090,
      spoolDir: "/var/lib/portolan/spool",
    });
    // The token file and spool directory are mounted where the flags point.
    const mounts = (container.volumeMounts as Manifest[]).map((m) => m.mountPath);
    expect(mounts).toContain("/var/run/secrets/portolan");
    expect(parsed.config.tokenFile?.startsWith("/var/run/secrets/portolan/")).toBe(true);
    expect(mounts).toContain(parsed.config.spoolDir);
    const secret = one("Secret");
    const tokenVolume = (one("Deployment").spec.template.spec.volumes as Manifest[]).find((v) => v.secret);
    expect(tokenVolume?.secret.secretName).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData ?? secret.data)).toEqual([
      parsed.config.tokenFile?.split("/").at(-1),
    ]);
    // Probes ask the routes the health server serves.
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
  });

  it("expose the node-listener receiver, and only it, through a ClusterIP Service", () => {
    const service = one("Service");
    const deployment = one("Deployment");
    const container = deployment.spec.template.spec.containers[0] as Manifest;
    const env = one("ConfigMap").data as Record<string, string>;
    const receiver = receiverConfigFromEnv(env);
    expect(receiver?.serviceAccount).toEqual({
      namespace: "portolan-node-reader",
      name: "portolan-node-reader",
    });
    const port = (container.ports as Manifest[]).find((p) => p.name === "listeners");
    expect(port?.containerPort).toBe(receiver?.port);
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports).toEqual([
      { name: "listeners", port: 9091, targetPort: "listeners", protocol: "TCP" },
    ]);
  });

  it.skipIf(!KUBECTL)("build with kustomize", async () => {
    const { stdout } = await promisify(execFile)(KUBECTL as string, ["kustomize", DEPLOY]);
    const kinds = parseAllDocuments(stdout).map((d) => (d.toJS() as Manifest).kind);
    expect(kinds.sort()).toEqual(
      [
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "Namespace",
        "Secret",
        "Service",
        "ServiceAccount",
      ].sort(),
    );
  });
});

describe("the agent's Dockerfile", () => {
  const dockerfile = readFileSync(`${ROOT}agents/Dockerfile`, "utf8");

  it("is multi-stage and runs the compiled agent as a non-root user", () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER 65532/m);
    const entry = /^ENTRYPOINT \[.*"(dist\/[^"]+\.js)"\]/m.exec(dockerfile)?.[1];
    expect(entry).toBe("dist/agents/src/main.js");
    expect(existsSync(`${ROOT}${entry?.replace(/^dist\//, "").replace(/\.js$/, ".ts")}`)).toBe(true);
  });

  it("copies only paths that exist in the repository (build context = repository root)", () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(/\s+/),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(`${ROOT}${source}`), source).toBe(true);
  });
});
