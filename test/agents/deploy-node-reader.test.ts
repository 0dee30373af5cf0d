/**
 * The node reader's manifests keep their security fields, so nobody loosens them silently: the default
 * tier is hostNetwork and nothing more (non-root 65532, no capabilities, read-only root, RuntimeDefault
 * seccomp, no hostPID, no host mounts, no port of its own), runs on every node, stays within 64Mi and
 * authenticates with a projected token for the agent's audience; the attribution overlay adds exactly
 * hostPID, SYS_PTRACE and DAC_READ_SEARCH; each tier's OpenShift SCC allows what it needs and no more.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DEFAULT_TOKEN_FILE, parseReaderArgs } from "../../agents/src/node-reader/config.js";

const DEPLOY = new URL("../../agents/deploy/", import.meta.url).pathname;
const KUBECTL = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));

// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML; each test reads what it checks.
type Manifest = Record<string, any>;

const docs = (text: string): Manifest[] => parseAllDocuments(text).map((d) => d.toJS() as Manifest);
const file = (path: string) => docs(readFileSync(`${DEPLOY}${path}`, "utf8"));
const only = (manifests: Manifest[], kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as Manifest;
};

const daemonSet = only(file("node-reader/daemonset.yaml"), "DaemonSet");
const pod = daemonSet.spec.template.spec as Manifest;
const container = pod.containers[0] as Manifest;

/** The security fields of a rendered DaemonSet's pod, everything else left out. */
function securityOf(ds: Manifest) {
  const spec = ds.spec.template.spec as Manifest;
  return {
    hostNetwork: spec.hostNetwork,
    hostPID: spec.hostPID,
    hostIPC: spec.hostIPC,
    podSecurity: spec.securityContext,
    containers: (spec.containers as Manifest[]).map((c) => ({
      securityContext: c.securityContext,
      ports: c.ports,
    })),
    volumes: spec.volumes,
  };
}

describe("the node reader's DaemonSet (default tier)", () => {
  it("uses the host network and nothing else of the host", () => {
    expect(securityOf(daemonSet)).toEqual({
      hostNetwork: true,
      hostPID: undefined,
      hostIPC: undefined,
      podSecurity: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          securityContext: {
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          ports: undefined,
        },
      ],
      volumes: [
        {
          name: "agent-token",
          projected: {
            defaultMode: 0o444, // written 292 in the YAML
            sources: [
              { serviceAccountToken: { audience: "portolan-agent", expirationSeconds: 3600, path: "token" } },
            ],
          },
        },
      ],
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.dnsPolicy).toBe("ClusterFirstWithHostNet");
  });

  it("runs on every node, masters and tainted ones included", () => {
    expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.affinity).toBeUndefined();
  });

  it("stays within 64Mi, with a request", () => {
    expect(container.resources.limits.memory).toBe("64Mi");
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
  });

  it("runs the reader from the agent's image, configured as the reader accepts", () => {
    expect(container.image).toBe("portolan-agent:0.1.0");
    expect(container.command).toEqual(["/nodejs/bin/node"]);
    expect(container.args.at(-1)).toBe("dist/agents/src/node-reader/main.js");
    // The flags bench/node-reader.ts measured within the memory budget.
    expect(container.args.slice(0, -1)).toEqual([
      "--jitless",
      "--max-old-space-size=24",
      "--max-semi-space-size=1",
    ]);
    expect(existsSync(new URL("../../agents/src/node-reader/main.ts", import.meta.url))).toBe(true);
    const env: Record<string, string> = { NODE_NAME: "worker-1" };
    for (const e of container.env as Manifest[]) {
      if (e.valueFrom) expect(e.valueFrom).toEqual({ fieldRef: { fieldPath: "spec.nodeName" } });
      else env[e.name] = e.value;
    }
    const config = parseReaderArgs([], env, "little");
    expect(config.tokenFile).toBe(DEFAULT_TOKEN_FILE);
    expect(config.tokenFile.startsWith(`${container.volumeMounts[0].mountPath}/`)).toBe(true);
    expect(config.agentUrl).toBe("http://portolan-agent.portolan-agent.svc:9091");
    expect(config.attribution).toBe("none");
  });

  it("sits in its own namespace at the privileged Pod Security level (hostNetwork needs it), with its ServiceAccount", () => {
    const namespace = only(file("node-reader/namespace.yaml"), "Namespace");
    expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    const kustomization = file("node-reader/kustomization.yaml")[0] as Manifest;
    expect(kustomization.namespace).toBe(namespace.metadata.name);
    expect(namespace.metadata.name).not.toBe("portolan-agent");
    const account = only(file("node-reader/serviceaccount.yaml"), "ServiceAccount");
    expect(account.metadata.name).toBe(pod.serviceAccountName);
    expect(account.automountServiceAccountToken).toBe(false);
    // The agent accepts exactly this account.
    const agentEnv = only(file("configmap.yaml"), "ConfigMap").data as Record<string, string>;
    expect(agentEnv.PORTOLAN_NODE_READER_SERVICE_ACCOUNT).toBe(
      `${namespace.metadata.name}:${account.metadata.name}`,
    );
  });
});

describe("the attribution overlay", () => {
  it("adds hostPID, SYS_PTRACE and DAC_READ_SEARCH (as UID 0, all else dropped) and turns attribution on", () => {
    const patch = file("node-reader-attribution/daemonset-patch.yaml")[0] as unknown as Manifest[];
    expect(patch.map((op) => `${op.op} ${op.path}`)).toEqual([
      "add /spec/template/spec/hostPID",
      "replace /spec/template/spec/securityContext",
      "replace /spec/template/spec/containers/0/securityContext/capabilities",
      "add /spec/template/spec/containers/0/env/-",
    ]);
    expect(patch[2]?.value).toEqual({ drop: ["ALL"], add: ["SYS_PTRACE", "DAC_READ_SEARCH"] });
  });

  it.skipIf(!KUBECTL)("renders with kustomize to the default tier plus exactly those", async () => {
    const { stdout } = await promisify(execFile)(KUBECTL as string, [
      "kustomize",
      `${DEPLOY}node-reader-attribution`,
    ]);
    const rendered = only(docs(stdout), "DaemonSet");
    const security = securityOf(rendered);
    expect(security).toEqual({
      ...securityOf(daemonSet),
      hostPID: true,
      podSecurity: {
        runAsNonRoot: false,
        runAsUser: 0,
        runAsGroup: 0,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          securityContext: {
            ...container.securityContext,
            capabilities: { drop: ["ALL"], add: ["SYS_PTRACE", "DAC_READ_SEARCH"] },
          },
          ports: undefined,
        },
      ],
    });
    const env = rendered.spec.template.spec.containers[0].env as Manifest[];
    // The pod tier: processes and their cgroups (world-readable, so no further grant).
    expect(env.find((e) => e.name === "PORTOLAN_READER_ATTRIBUTION")?.value).toBe("pod");
  });
});

describe("the OpenShift SecurityContextConstraints", () => {
  const common = {
    allowHostNetwork: true,
    allowHostIPC: false,
    allowHostPorts: false,
    allowHostDirVolumePlugin: false,
    allowPrivilegedContainer: false,
    allowPrivilegeEscalation: false,
    requiredDropCapabilities: ["ALL"],
    readOnlyRootFilesystem: true,
    seccompProfiles: ["runtime/default"],
    volumes: ["projected"],
    users: [],
    groups: [],
  };

  it("default tier: host network, non-root, no capabilities, no host PID", () => {
    const scc = only(file("node-reader-openshift/scc.yaml"), "SecurityContextConstraints");
    expect(scc).toMatchObject({
      ...common,
      allowHostPID: false,
      allowedCapabilities: [],
      runAsUser: { type: "MustRunAsNonRoot" },
    });
  });

  it("attribution tier: adds the host PID namespace and the two capabilities only", () => {
    const scc = only(file("node-reader-attribution-openshift/scc.yaml"), "SecurityContextConstraints");
    expect(scc).toMatchObject({
      ...common,
      allowHostPID: true,
      allowedCapabilities: ["SYS_PTRACE", "DAC_READ_SEARCH"],
      runAsUser: { type: "MustRunAs", uid: 0 },
    });
  });

  it.each([
    ["node-reader-openshift", "portolan-node-reader"],
    ["node-reader-attribution-openshift", "portolan-node-reader-attribution"],
  ])("%s lets the reader's ServiceAccount use its SCC and nothing else", (dir, scc) => {
    const manifests = file(`${dir}/scc-rbac.yaml`);
    const role = only(manifests, "Role");
    expect(role.rules).toEqual([
      {
        apiGroups: ["security.openshift.io"],
        resources: ["securitycontextconstraints"],
        resourceNames: [scc],
        verbs: ["use"],
      },
    ]);
    expect(only(manifests, "RoleBinding").subjects).toEqual([
      { kind: "ServiceAccount", name: "portolan-node-reader", namespace: "portolan-node-reader" },
    ]);
  });

  it.skipIf(!KUBECTL)("each overlay builds with kustomize", async () => {
    for (const dir of ["node-reader", "node-reader-openshift", "node-reader-attribution-openshift"]) {
      const { stdout } = await promisify(execFile)(KUBECTL as string, ["kustomize", `${DEPLOY}${dir}`]);
      expect(docs(stdout).filter((m) => m.kind === "DaemonSet")).toHaveLength(1);
    }
  });
});
