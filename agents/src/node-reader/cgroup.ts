/**
 * Where a process sits, from the text of /proc/<pid>/cgroup: inside a Kubernetes pod (with the pod's
 * UID and the container's id when the path names them) or outside every pod (a host service). Pure.
 *
 * The forms the kubelet's two cgroup drivers and the runtimes write, cgroup v1 or v2:
 *   systemd driver  /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/crio-<id>.scope
 *                   (cri-containerd-<id>.scope, docker-<id>.scope; Guaranteed pods: kubepods-pod<uid_>.slice;
 *                   the UID's dashes written as underscores)
 *   cgroupfs driver /kubepods/besteffort/pod<uid>/<id>   (Guaranteed: /kubepods/pod<uid>/<id>)
 * under an optional prefix (a kubelet started with --cgroup-root, a kind node's /docker/<id>/…). The
 * reader runs in a container: with a private cgroup namespace (the default on cgroup v2) other
 * processes' paths are relative to the reader's own cgroup and start with `/../..`, which hides the
 * common ancestors (kubepods.slice, even the QoS slice), so the pod is found by its own segment, not
 * by a fixed prefix. A path with no pod or kubepods segment (system.slice/…, a docker container
 * started outside Kubernetes, `/`) is outside every pod.
 */

export type CgroupPlace =
  /** outside every pod */
  | { inPod: false }
  /** inside a pod; uid and containerId when the path names them (a conmon scope names only the pod) */
  | { inPod: true; podUid?: string; containerId?: string };

const UUID = "[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}";
/**
 * `pod<uid>` (cgroupfs) or `kubepods[-<qos>]-pod<uid_>.slice` (systemd; under a --cgroup-root such as
 * kind's /kubelet, `kubelet-kubepods-besteffort-pod<uid_>.slice`)
 */
const POD_SEGMENT = new RegExp(`^(?:[a-z0-9_.-]*-)?pod(${UUID})(?:\\.slice)?$`);
/** the levels above the pods: kubepods, kubepods.slice, kubepods-besteffort.slice, kubelet-kubepods.slice */
const KUBEPODS_SEGMENT = /^(?:[a-z0-9_.-]*-)?kubepods(?:-[a-z]+)?(?:\.slice)?$/;
/** `<id>` (cgroupfs), `crio-<id>.scope`, `cri-containerd-<id>.scope`, `docker-<id>.scope` (systemd) */
const CONTAINER_SEGMENT = /^(?:(?:crio|cri-containerd|containerd|docker)-)?([0-9a-f]{64})(?:\.scope)?$/;

/** A line longer than this is not one the kernel writes for a container; it is skipped. */
const MAX_LINE = 4096;

/** The place of one cgroup path (v1's or v2's third field). */
export function placeOfCgroupPath(path: string): CgroupPlace {
  const segments = path.split("/");
  let inPod = false;
  let podUid: string | undefined;
  let containerId: string | undefined;
  for (const segment of segments) {
    if (!inPod) {
      if (KUBEPODS_SEGMENT.test(segment)) inPod = true;
      const pod = POD_SEGMENT.exec(segment)?.[1];
      if (pod !== undefined) {
        inPod = true;
        podUid = pod.replaceAll("_", "-");
      }
      continue;
    }
    if (podUid === undefined) {
      const pod = POD_SEGMENT.exec(segment)?.[1];
      if (pod !== undefined) {
        podUid = pod.replaceAll("_", "-");
        continue;
      }
    }
    // The first container segment below the pod; deeper ones are the container's own sub-cgroups.
    const container = CONTAINER_SEGMENT.exec(segment)?.[1];
    if (container !== undefined) {
      containerId = container;
      break;
    }
  }
  if (!inPod) return { inPod: false };
  return {
    inPod: true,
    ...(podUid !== undefined ? { podUid } : {}),
    ...(containerId !== undefined ? { containerId } : {}),
  };
}

/**
 * The place of a process from its whole cgroup file: every line is looked at (v1 lists one per
 * hierarchy, v2 one `0::` line, a hybrid host both) and the one telling most wins: a container over
 * a pod alone over "outside pods". Undefined when no line is readable as `id:controllers:path`.
 */
export function placeOfCgroupFile(text: string): CgroupPlace | undefined {
  let best: CgroupPlace | undefined;
  let bestRank = -1;
  for (const line of text.split("\n")) {
    if (line.length === 0 || line.length > MAX_LINE) continue;
    const first = line.indexOf(":");
    const second = first < 0 ? -1 : line.indexOf(":", first + 1);
    if (second < 0 || !/^\d+$/.test(line.slice(0, first))) continue;
    const path = line.slice(second + 1);
    if (!path.startsWith("/")) continue;
    const place = placeOfCgroupPath(path);
    const rank = !place.inPod ? 0 : place.containerId ? 3 : place.podUid ? 2 : 1;
    if (rank > bestRank) {
      best = place;
      bestRank = rank;
    }
  }
  return best;
}
