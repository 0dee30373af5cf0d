/**
 * A pod's identity as the node reader's pod tier sees it: its UID (in its cgroup path) and its
 * containers' runtime ids (`status.*containerStatuses[].containerID`, `cri-o://<id>`,
 * `containerd://<id>`, `docker://<id>`), with the names a listener report gives. Pure.
 */
import type { KubeContainerStatus, KubePod } from "./kube-types.js";

export interface PodContainers {
  uid: string;
  namespace: string;
  name: string;
  /** by runtime id (the 64 hex digits after the runtime's `://`) */
  containers: { id: string; name: string }[];
}

const CONTAINER_ID = /^[a-z0-9.-]+:\/\/([0-9a-f]{64})$/;

/** Null without a UID, name or namespace (nothing a cgroup could name). */
export function podContainersOf(pod: KubePod): PodContainers | null {
  const uid = pod.metadata?.uid;
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!uid || !name || !namespace) return null;
  const containers: PodContainers["containers"] = [];
  const add = (statuses: KubeContainerStatus[] | undefined) => {
    for (const status of statuses ?? []) {
      const id = CONTAINER_ID.exec(status.containerID ?? "")?.[1];
      if (id !== undefined) containers.push({ id, name: status.name });
    }
  };
  // Init containers that run alongside (sidecars) and ephemeral ones can listen too.
  add(pod.status?.containerStatuses);
  add(pod.status?.initContainerStatuses);
  add(pod.status?.ephemeralContainerStatuses);
  containers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { uid: uid.toLowerCase(), namespace, name, containers };
}
