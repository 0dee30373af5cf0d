/**
 * Kubernetes manifests (`plan fit -f`, capacity.checkManifest) → the host-port workloads they would
 * create. Each known kind's pod template is read with the agent's rules (pod-spec-ports.ts), so a
 * manifest asks for exactly the ports its pods will hold. Only the fields that matter are checked;
 * a malformed one is an issue naming the document and its path, an unknown kind a note.
 */
import * as z from "zod";
import { labelKeySchema, labelValueSchema, MAX_REPLICAS, MAX_TOLERATIONS } from "./bounds.js";
import {
  type PodSpecFields,
  podSpecHostPorts,
  podSpecRequiredAffinity,
  podSpecTolerations,
} from "./pod-spec-ports.js";
import {
  labelsSchema,
  type NodeAffinity,
  nodeAffinitySchema,
  type Protocol,
  type Toleration,
  tolerationSchema,
} from "./schema.js";

/** Annotation on a manifest object: the label selector (`env=prod,tier=edge`) of its target clusters. */
export const CLUSTERS_ANNOTATION = "portolan.dev/clusters";

/** Where an OpenShift router lands when its IngressController sets no nodePlacement (the CRD's default). */
export const INGRESS_DEFAULT_NODE_SELECTOR = {
  "kubernetes.io/os": "linux",
  "node-role.kubernetes.io/worker": "",
} as const;
/** The operator's replicas when spec.replicas is unset (a highly available cluster). */
export const INGRESS_DEFAULT_REPLICAS = 2;

/** How the workload's controller replaces its pods (domain/rollout.ts judges it); defaults applied. */
export type ManifestStrategy =
  | { type: "RollingUpdate"; maxSurge: number | string; maxUnavailable: number | string }
  | { type: "Recreate" }
  | { type: "OnDelete" };

/** The controller whose rules apply to a rollout; "none" rolls nothing (ReplicaSet, Pod, Job). */
export type ManifestController = "Deployment" | "DaemonSet" | "StatefulSet" | "none";

export interface ManifestWorkload {
  /** 1-based document of the file; items of a List share their List's */
  document: number;
  /** "items.2" for the third item of a List, "" for a top-level object */
  path: string;
  kind: string;
  namespace: string | null;
  name: string;
  ports: { hostPort: number; protocol: Protocol; hostIP: string }[];
  /** its pods bind their ports as sockets on the node (a HostNetwork router does), not CNI mappings */
  hostNetwork: boolean;
  /** a DaemonSet: one pod on every node it selects; replicas then says nothing */
  everyEligibleNode: boolean;
  replicas: number;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  requiredNodeAffinity: NodeAffinity | null;
  /** the CLUSTERS_ANNOTATION selector, when the object carries one */
  clusterSelector: Record<string, string> | null;
  controller: ManifestController;
  /** null when its controller rolls nothing */
  strategy: ManifestStrategy | null;
}

export interface ManifestIssue {
  document: number;
  path: string;
  message: string;
}

export type ManifestNote = ManifestIssue;

export interface ManifestReading {
  workloads: ManifestWorkload[];
  notes: ManifestNote[];
  issues: ManifestIssue[];
}

const containerSchema = z.object({
  name: z.string().min(1),
  ports: z
    .array(
      z.object({
        containerPort: z.number().int().min(1).max(65535),
        hostPort: z.number().int().min(0).max(65535).optional(),
        hostIP: z.union([z.ipv4(), z.ipv6(), z.literal("")]).optional(),
        protocol: z.enum(["TCP", "UDP", "SCTP", ""]).optional(),
      }),
    )
    .optional(),
  restartPolicy: z.string().optional(),
});

const podSpecSchema = z.object({
  hostNetwork: z.boolean().optional(),
  containers: z.array(containerSchema).min(1),
  initContainers: z.array(containerSchema).optional(),
  nodeSelector: labelsSchema.optional(),
  tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).optional(),
  affinity: z
    .object({
      nodeAffinity: z
        .object({ requiredDuringSchedulingIgnoredDuringExecution: nodeAffinitySchema.optional() })
        .optional(),
    })
    .optional(),
});

const replicasSchema = z.number().int().min(0).max(MAX_REPLICAS);
const templateSchema = z.object({ spec: podSpecSchema });

/** maxSurge / maxUnavailable: an integer or a percentage ("25%"), as intstr reads them. */
const intOrPercentSchema = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+%?$/, "must be an integer or a percentage such as 25%"),
]);
const rollingParamsSchema = z
  .object({ maxSurge: intOrPercentSchema.optional(), maxUnavailable: intOrPercentSchema.optional() })
  .optional();

type Rolling = z.output<typeof rollingParamsSchema>;
/** The API server's defaults: a Deployment's (and DeploymentConfig's) 25%/25%, a DaemonSet's 0/1. */
const rollingUpdate = (params: Rolling, surge: number | string, unavailable: number | string) => ({
  type: "RollingUpdate" as const,
  maxSurge: params?.maxSurge ?? surge,
  maxUnavailable: params?.maxUnavailable ?? unavailable,
});

/** A ReplicaSet, Pod or Job: a template change reaches only pods created later. */
const noRollout = { controller: "none" as const, strategy: null };

const replicatedSpec = { replicas: replicasSchema.optional(), template: templateSchema };

/** Per kind: where the pod spec is, how many pods run at once, and how an update replaces them. */
const workloadKinds = {
  Pod: z.object({ spec: podSpecSchema }).transform((o) => ({ pod: o.spec, replicas: 1, ...noRollout })),
  Deployment: z
    .object({
      spec: z.object({
        ...replicatedSpec,
        strategy: z
          .object({
            type: z.enum(["RollingUpdate", "Recreate"]).optional(),
            rollingUpdate: rollingParamsSchema,
          })
          .optional(),
      }),
    })
    .transform((o) => ({
      pod: o.spec.template.spec,
      replicas: o.spec.replicas ?? 1,
      controller: "Deployment" as const,
      strategy:
        o.spec.strategy?.type === "Recreate"
          ? { type: "Recreate" as const }
          : rollingUpdate(o.spec.strategy?.rollingUpdate, "25%", "25%"),
    })),
  StatefulSet: z
    .object({
      spec: z.object({
        ...replicatedSpec,
        updateStrategy: z.object({ type: z.enum(["RollingUpdate", "OnDelete"]).optional() }).optional(),
      }),
    })
    .transform((o) => ({
      pod: o.spec.template.spec,
      replicas: o.spec.replicas ?? 1,
      controller: "StatefulSet" as const,
      strategy:
        o.spec.updateStrategy?.type === "OnDelete"
          ? { type: "OnDelete" as const }
          : rollingUpdate(undefined, 0, 1),
    })),
  ReplicaSet: replicated(),
  ReplicationController: replicated(),
  DeploymentConfig: z
    .object({
      spec: z.object({
        ...replicatedSpec,
        strategy: z
          .object({
            type: z.enum(["Rolling", "Recreate", "Custom"]).optional(),
            rollingParams: rollingParamsSchema,
          })
          .optional(),
      }),
    })
    .transform((o) => {
      const type = o.spec.strategy?.type;
      return {
        pod: o.spec.template.spec,
        replicas: o.spec.replicas ?? 1,
        // a Custom strategy runs the user's own deployer: nothing to judge
        ...(type === "Custom"
          ? noRollout
          : {
              controller: "Deployment" as const,
              strategy:
                type === "Recreate"
                  ? { type: "Recreate" as const }
                  : rollingUpdate(o.spec.strategy?.rollingParams, "25%", "25%"),
            }),
      };
    }),
  DaemonSet: z
    .object({
      spec: z.object({
        template: templateSchema,
        updateStrategy: z
          .object({
            type: z.enum(["RollingUpdate", "OnDelete"]).optional(),
            rollingUpdate: rollingParamsSchema,
          })
          .optional(),
      }),
    })
    .transform((o) => ({
      pod: o.spec.template.spec,
      replicas: 0,
      everyEligibleNode: true,
      controller: "DaemonSet" as const,
      strategy:
        o.spec.updateStrategy?.type === "OnDelete"
          ? { type: "OnDelete" as const }
          : rollingUpdate(o.spec.updateStrategy?.rollingUpdate, 0, 1),
    })),
  Job: z
    .object({ spec: z.object({ parallelism: replicasSchema.optional(), template: templateSchema }) })
    .transform((o) => ({ pod: o.spec.template.spec, replicas: o.spec.parallelism ?? 1, ...noRollout })),
  CronJob: z
    .object({
      spec: z.object({
        jobTemplate: z.object({
          spec: z.object({ parallelism: replicasSchema.optional(), template: templateSchema }),
        }),
      }),
    })
    .transform((o) => ({
      pod: o.spec.jobTemplate.spec.template.spec,
      replicas: o.spec.jobTemplate.spec.parallelism ?? 1,
      ...noRollout,
    })),
} as const;

function replicated() {
  return z
    .object({ spec: z.object(replicatedSpec) })
    .transform((o) => ({ pod: o.spec.template.spec, replicas: o.spec.replicas ?? 1, ...noRollout }));
}

/** A HostNetwork port of an IngressController: unset or 0 is the CRD's default. */
const routerPort = z.number().int().min(0).max(65535).optional();

const ingressControllerSchema = z.object({
  spec: z
    .object({
      replicas: replicasSchema.optional(),
      endpointPublishingStrategy: z
        .object({
          type: z.string().optional(),
          hostNetwork: z
            .object({ httpPort: routerPort, httpsPort: routerPort, statsPort: routerPort })
            .optional(),
        })
        .optional(),
      nodePlacement: z
        .object({
          nodeSelector: z
            .object({
              matchLabels: labelsSchema.optional(),
              matchExpressions: z
                .array(
                  z.object({
                    key: labelKeySchema,
                    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
                    values: z.array(labelValueSchema).optional(),
                  }),
                )
                .optional(),
            })
            .optional(),
          tolerations: z.array(tolerationSchema).max(MAX_TOLERATIONS).optional(),
        })
        .optional(),
    })
    .default({}),
});

const metadataSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const joinPath = (...parts: (string | number)[]) => parts.filter((p) => p !== "").join(".");

/** `env=prod,tier=edge` (spaces allowed around the commas) → labels, or the reason it is not one. */
export function parseClusterSelector(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const part of text.split(",").map((p) => p.trim())) {
    const at = part.indexOf("=");
    const key = at < 0 ? "" : part.slice(0, at).trim();
    const value = at < 0 ? "" : part.slice(at + 1).trim();
    if (!labelKeySchema.safeParse(key).success || !labelValueSchema.safeParse(value).success)
      return `"${part}" is not key=value with a label key and value (e.g. env=prod)`;
    labels[key] = value;
  }
  return labels;
}

/**
 * Reads the objects of a file's documents (parsed YAML or JSON; `null` for an empty document). A
 * `kind: List` is read item by item.
 */
export function readManifest(documents: readonly unknown[]): ManifestReading {
  const reading: ManifestReading = { workloads: [], notes: [], issues: [] };
  for (const _ of readManifestSteps(reading, documents)) {
    // every step's work is already in `reading`
  }
  return reading;
}

/**
 * readManifest one object at a time (a List's items each count as one), into `reading`: the
 * server reads a large manifest in slices and lets other requests run between them.
 */
export function* readManifestSteps(
  reading: ManifestReading,
  documents: Iterable<unknown>,
): Generator<void, void, undefined> {
  let document = 0;
  for (const value of documents) {
    document += 1;
    const items = readObject(reading, document, "", value);
    yield;
    for (const [i, item] of (items ?? []).entries()) {
      readObject(reading, document, joinPath("items", i), item);
      yield;
    }
  }
}

/** Reads one object into `reading`; a top-level List answers its items, to be read next. */
function readObject(
  reading: ManifestReading,
  document: number,
  path: string,
  value: unknown,
): readonly unknown[] | undefined {
  const issue = (at: string, message: string): void => {
    reading.issues.push({ document, path: joinPath(path, at), message });
  };
  const note = (message: string): void => {
    reading.notes.push({ document, path, message });
  };
  if (value === null || value === undefined) return;
  if (typeof value !== "object" || Array.isArray(value)) {
    issue("", "not a Kubernetes object (a mapping with apiVersion, kind, metadata)");
    return;
  }
  const object = value as Record<string, unknown>;
  const kind = object.kind;
  if (typeof kind !== "string" || kind === "") {
    note("no kind: skipped");
    return;
  }
  if (kind === "List" || kind.endsWith("List")) {
    const items = object.items;
    if (path !== "") issue("kind", `a ${kind} inside a List is not read`);
    else if (!Array.isArray(items)) issue("items", `a ${kind} needs an items list`);
    else return items;
    return;
  }
  const isWorkload = Object.hasOwn(workloadKinds, kind);
  if (!isWorkload && kind !== "IngressController") {
    note(`kind ${kind} holds no host ports here: skipped`);
    return;
  }
  const meta = metadataSchema.safeParse(object.metadata);
  if (!meta.success) {
    for (const i of meta.error.issues) issue(joinPath("metadata", ...i.path.map(String)), i.message);
    return;
  }
  const annotation = meta.data.annotations?.[CLUSTERS_ANNOTATION];
  const selector = annotation === undefined ? null : parseClusterSelector(annotation);
  if (typeof selector === "string") {
    issue(`metadata.annotations.${CLUSTERS_ANNOTATION}`, selector);
    return;
  }
  const base = {
    document,
    path,
    kind,
    namespace: meta.data.namespace ?? null,
    name: meta.data.name,
    clusterSelector: selector,
  };
  const found = isWorkload
    ? fromPodTemplate(kind as keyof typeof workloadKinds, object, issue)
    : fromIngressController(object, issue, note);
  if (!found) return;
  if (found.ports.length === 0) note(`${kind}/${base.name} declares no host ports: nothing to check`);
  else if (!found.everyEligibleNode && found.replicas === 0)
    note(`${kind}/${base.name} has 0 replicas: nothing to check`);
  else reading.workloads.push({ ...base, ...found });
}

type Found = Omit<ManifestWorkload, "document" | "path" | "kind" | "namespace" | "name" | "clusterSelector">;

/** The distinct (protocol, hostIP, hostPort) a pod asks for, in the order its containers declare them. */
function wantedPorts(spec: PodSpecFields): Found["ports"] {
  const seen = new Set<string>();
  const ports: Found["ports"] = [];
  for (const p of podSpecHostPorts(spec)) {
    const key = `${p.protocol}|${p.hostIP}|${p.hostPort}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ports.push({ hostPort: p.hostPort, protocol: p.protocol, hostIP: p.hostIP });
  }
  return ports;
}

function fromPodTemplate(
  kind: keyof typeof workloadKinds,
  object: Record<string, unknown>,
  issue: (path: string, message: string) => void,
): Found | undefined {
  const parsed = workloadKinds[kind].safeParse(object);
  if (!parsed.success) {
    for (const i of parsed.error.issues) issue(i.path.map(String).join("."), i.message);
    return undefined;
  }
  const { pod, replicas, controller, strategy } = parsed.data;
  return {
    ports: wantedPorts(pod),
    hostNetwork: pod.hostNetwork === true,
    everyEligibleNode: "everyEligibleNode" in parsed.data,
    replicas,
    controller,
    strategy,
    nodeSelector: { ...(pod.nodeSelector ?? {}) },
    tolerations: podSpecTolerations(pod),
    requiredNodeAffinity: podSpecRequiredAffinity(pod),
  };
}

/**
 * An IngressController with the HostNetwork strategy: its router pods hold http, https and stats on
 * every node they run on. Other strategies hold no host ports; an unset strategy is chosen by the
 * operator from the platform, so it is noted rather than guessed.
 */
function fromIngressController(
  object: Record<string, unknown>,
  issue: (path: string, message: string) => void,
  note: (message: string) => void,
): Found | undefined {
  const parsed = ingressControllerSchema.safeParse(object);
  if (!parsed.success) {
    for (const i of parsed.error.issues) issue(i.path.map(String).join("."), i.message);
    return undefined;
  }
  const { spec } = parsed.data;
  const strategy = spec.endpointPublishingStrategy?.type;
  if (strategy !== "HostNetwork") {
    note(
      strategy === undefined
        ? "IngressController without spec.endpointPublishingStrategy.type: the operator picks it by platform; set HostNetwork to check its ports"
        : `IngressController with the ${strategy} strategy holds no host ports: nothing to check`,
    );
    return undefined;
  }
  const ports = spec.endpointPublishingStrategy?.hostNetwork ?? {};
  const port = (value: number | undefined, byDefault: number) => (value ? value : byDefault);
  const coinciding = coincidingFields({
    httpPort: port(ports.httpPort, 80),
    httpsPort: port(ports.httpsPort, 443),
    statsPort: port(ports.statsPort, 1936),
  });
  if (coinciding) {
    // The CRD admits it, but its router would declare one host port twice: none could ever run.
    issue(
      "spec.endpointPublishingStrategy.hostNetwork",
      `${coinciding}: its router would listen twice on one host port, so none could run; give each its own port`,
    );
    return undefined;
  }
  const selector = spec.nodePlacement?.nodeSelector;
  const expressions = selector?.matchExpressions ?? [];
  return {
    ports: [port(ports.httpPort, 80), port(ports.httpsPort, 443), port(ports.statsPort, 1936)].map(
      (hostPort) => ({ hostPort, protocol: "TCP" as const, hostIP: "0.0.0.0" }),
    ),
    hostNetwork: true,
    everyEligibleNode: false,
    replicas: spec.replicas ?? INGRESS_DEFAULT_REPLICAS,
    // the ingress operator's router Deployment for HostNetwork: maxSurge 0, maxUnavailable 25%
    controller: "Deployment",
    strategy: { type: "RollingUpdate", maxSurge: 0, maxUnavailable: "25%" },
    nodeSelector: selector ? { ...(selector.matchLabels ?? {}) } : { ...INGRESS_DEFAULT_NODE_SELECTOR },
    tolerations: spec.nodePlacement?.tolerations ?? [],
    // A label selector's expressions are one node-affinity term (they are AND-ed either way).
    requiredNodeAffinity:
      expressions.length > 0
        ? {
            nodeSelectorTerms: [{ matchExpressions: expressions }],
          }
        : null,
  };
}

/** "httpPort and httpsPort are both 443" when two or three of the ports coincide (defaults applied), else null. */
function coincidingFields(ports: { httpPort: number; httpsPort: number; statsPort: number }): string | null {
  const byPort = new Map<number, string[]>();
  for (const [field, value] of Object.entries(ports))
    byPort.set(value, [...(byPort.get(value) ?? []), field]);
  const clauses = [...byPort]
    .filter(([, fields]) => fields.length > 1)
    .map(([value, fields]) =>
      fields.length === 2
        ? `${fields.join(" and ")} are both ${value}`
        : `${fields.join(", ")} are all ${value}`,
    );
  return clauses.length > 0 ? clauses.join("; ") : null;
}
