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

/**
 * Null without a UID, name or namespace (nothing a cgroup could name). The watch keeps one of these
 * for every kept pod (50,000 at 5,000 nodes), so it is built small: an array of exactly its length,
 * each id a string of its own 64 characters (a regex capture is a slice that keeps the whole
 * `cri-o://…` string alive), and, with `intern`, one copy of each namespace and container name.
 */
export function podContainersOf(pod: KubePod, intern: (text: string) => string = same): PodContainers | null {
  const uid = pod.metadata?.uid;
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (!uid || !name || !namespace) return null;
  const containers: PodContainers["containers"] = [];
  const add = (statuses: KubeContainerStatus[] | undefined) => {
    for (const status of statuses ?? []) {
      const id = CONTAINER_ID.exec(status.containerID ?? "")?.[1];
      if (id !== undefined) containers.push({ id: ownString(id), name: intern(status.name) });
    }
  };
  // Init containers that run alongside (sidecars) and ephemeral ones can listen too.
  add(pod.status?.containerStatuses);
  add(pod.status?.initContainerStatuses);
  add(pod.status?.ephemeralContainerStatuses);
  containers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // slice(): a pushed-to array keeps room for 17 elements; the copy holds exactly its own.
  return { uid: uid.toLowerCase(), namespace: intern(namespace), name, containers: containers.slice() };
}

const same = (text: string) => text;

/** The same text in a string of its own (ids are hex: latin1 round-trips them). */
function ownString(text: string): string {
  return Buffer.from(text, "latin1").toString("latin1");
}
