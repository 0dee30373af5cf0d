/**
 * --once and --from-file: one snapshot from a paginated LIST, or from kubectl JSON dumps (with node
 * listener captures, when given).
 */
import { readFile } from "node:fs/promises";
import type { ByteOrder } from "../../../src/contract/listener-parsers/address.js";
import type { SnapshotIngressController, SnapshotNode, SnapshotPod } from "../../../src/contract/snapshot.js";
import { collectNode, collectPod, Interner } from "../collect/canonical.js";
import { ingressControllerKey, toSnapshotIngressController } from "../collect/ingress-controller.js";
import type { KubeIngressController, KubeNode, KubePod } from "../collect/kube-types.js";
import {
  IncompleteDumpError,
  mergeKubeObjects,
  missingLists,
  readKubeObjects,
} from "../collect/kubectl-dump.js";
import type { ListenerSource } from "../collect/listener-import.js";
import { podKey } from "../collect/pod.js";
import { KubeApiError, type KubeClient } from "../kube/api.js";
import { type ListResult, listAll } from "../kube/list.js";
import { type Logger, memoryFigures } from "../ops/log.js";
import { readListenerSources } from "./listener-files.js";
import type { SnapshotInfo, SnapshotProducer } from "./producer.js";
import { POD_FIELD_SELECTOR } from "./watch-mode.js";

export async function snapshotFromCluster(
  client: KubeClient,
  producer: SnapshotProducer,
  pageSize: number,
  logger: Logger,
  signal?: AbortSignal,
): Promise<SnapshotInfo | undefined> {
  const started = performance.now();
  const interner = new Interner();
  const nodes = await listAll<SnapshotNode>(client, "nodes", {
    pageSize,
    ...(signal ? { signal } : {}),
    convert: (o) => {
      const node = collectNode(o as KubeNode, interner);
      return node ? { key: node.name, value: node } : null;
    },
  });
  const pods = await listAll<SnapshotPod>(client, "pods", {
    pageSize,
    fieldSelector: POD_FIELD_SELECTOR,
    ...(signal ? { signal } : {}),
    convert: (o) => {
      const pod = collectPod(o as KubePod, interner);
      return pod ? { key: podKey(o as KubePod), value: pod } : null;
    },
  });
  const controllers = await listIngressControllers(client, pageSize, logger, signal);
  logger.info("listed", {
    nodes: nodes.items.size,
    podsRead: pods.seen,
    hostPortPods: pods.items.size,
    ...(controllers ? { ingressControllers: controllers.items.size } : {}),
    pages: nodes.pages + pods.pages + (controllers?.pages ?? 0),
    ms: Math.round(performance.now() - started),
    memory: memoryFigures(),
  });
  return producer.produce(nodes.items.values(), pods.items.values(), undefined, controllers?.items.values());
}

/**
 * OpenShift only: undefined (the snapshot leaves the key out) where the API does not serve them, or
 * where the ClusterRole does not yet grant them (403: nodes and pods still go, as in watch mode).
 */
async function listIngressControllers(
  client: KubeClient,
  pageSize: number,
  logger: Logger,
  signal?: AbortSignal,
): Promise<ListResult<SnapshotIngressController> | undefined> {
  if (!(await client.serves("ingresscontrollers", signal))) {
    logger.info("the API serves no operator.openshift.io/v1 ingresscontrollers: plain Kubernetes");
    return undefined;
  }
  try {
    return await listAll<SnapshotIngressController>(client, "ingresscontrollers", {
      pageSize,
      ...(signal ? { signal } : {}),
      convert: (o) => {
        const controller = toSnapshotIngressController(o as KubeIngressController);
        return controller
          ? { key: ingressControllerKey(o as KubeIngressController), value: controller }
          : null;
      },
    });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 403)) throw error;
    logger.warn(
      "not allowed to list operator.openshift.io ingresscontrollers: the snapshot carries none until the ClusterRole grants get/list/watch on them (agents/deploy/clusterrole.yaml)",
    );
    return undefined;
  }
}

export interface FileInputs {
  readStdin: () => Promise<string>;
  /** The operator says the cluster runs no pods: a dump without a pod list is then complete. */
  allowNoPods?: boolean;
  /** ss and /proc/net captures of the nodes (--ss-tcp, --ss-udp, --proc-net). */
  listenerSources?: readonly ListenerSource[];
  /** Byte order of the hosts that wrote the /proc/net files. */
  procNetByteOrder?: ByteOrder;
}

export async function snapshotFromFiles(
  files: string[],
  producer: SnapshotProducer,
  logger: Logger,
  { readStdin, allowNoPods = false, listenerSources = [], procNetByteOrder = "little" }: FileInputs,
): Promise<SnapshotInfo | undefined> {
  const parts = [];
  for (const file of files) {
    const text = file === "-" ? await readStdin() : await readFile(file, "utf8");
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new Error(`${file}: not JSON (${(error as Error).message}); use kubectl get … -o json`);
    }
    parts.push(readKubeObjects(document, file === "-" ? "stdin" : file));
  }
  const objects = mergeKubeObjects(parts);
  if (objects.ignoredKinds.length > 0)
    logger.info("ignored objects of other kinds", { kinds: objects.ignoredKinds });
  const missing = missingLists(allowNoPods ? { ...objects, hasPodList: true } : objects);
  const ambiguous =
    objects.emptyLists.length === 0
      ? ""
      : ` ${objects.emptyLists.join(", ")}: an empty List that does not say what it lists (kubectl prints the same "kind": "List" for any empty answer), so it is taken for neither.`;
  if (missing.includes("nodes")) {
    throw new IncompleteDumpError(
      `no node list in ${files.join(", ")}: every pod would be left out and every node's history closed.${ambiguous} Add the output of "kubectl get nodes -o json" (or use one "kubectl get nodes,pods -A -o json").`,
    );
  }
  if (missing.includes("pods")) {
    throw new IncompleteDumpError(
      `no pod list in ${files.join(", ")}: pushed, the snapshot would close the history of every pod.${ambiguous} Add the output of "kubectl get pods -A -o json" (or use one "kubectl get nodes,pods -A -o json"); if the cluster really runs no pods, say so with --allow-no-pods.`,
    );
  }
  const nodes = objects.nodes.map((n) => collectNode(n)).filter((n): n is SnapshotNode => n !== null);
  const pods = objects.pods.map((p) => collectPod(p)).filter((p): p is SnapshotPod => p !== null);
  const controllers = objects.hasIngressControllerList
    ? objects.ingressControllers
        .map(toSnapshotIngressController)
        .filter((c): c is SnapshotIngressController => c !== null)
    : undefined;
  const reports =
    listenerSources.length === 0
      ? undefined
      : (await readListenerSources(listenerSources, procNetByteOrder, logger)).reports(
          new Set(nodes.map((n) => n.name)),
        );
  if (reports) {
    logger.info("read node listeners", {
      nodes: reports.length,
      listeners: reports.reduce((sum, r) => sum + r.listeners.length, 0),
    });
  }
  return producer.produce(nodes, pods, undefined, controllers, reports);
}
