/**
 * Where a process sits, from /proc/<pid>/cgroup as the kubelet's cgroup drivers and the runtimes
 * write it: lines in the forms of cgroup v1 and v2, systemd and cgroupfs drivers, CRI-O, containerd,
 * Docker, with and without the reader's own cgroup namespace in the way.
 */
import { describe, expect, it } from "vitest";
import { type CgroupPlace, placeOfCgroupFile } from "../../agents/src/node-reader/cgroup.js";

const ID = "8f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d";
const UID = "5f3e7a6c-2b1d-4c8e-9f0a-1b2c3d4e5f60";
const UID_ = UID.replaceAll("-", "_");

const container: CgroupPlace = { inPod: true, podUid: UID, containerId: ID };
const host: CgroupPlace = { inPod: false };

/** A cgroup v1 file: one line per hierarchy, the same path in each (as runc writes them). */
const v1 = (path: string) =>
  ["12:hugetlb:", "11:memory:", "10:cpu,cpuacct:", "9:devices:", "8:pids:", "1:name=systemd:"]
    .map((prefix) => `${prefix}${path}`)
    .join("\n");

describe("the place of a process from its cgroup file", () => {
  it.each<[string, string, CgroupPlace | undefined]>([
    [
      "v2, systemd driver, CRI-O (OpenShift), Burstable",
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope\n`,
      container,
    ],
    [
      "v2, systemd driver, containerd, BestEffort",
      `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope\n`,
      container,
    ],
    [
      "v2, systemd driver, Guaranteed (no QoS slice)",
      `0::/kubepods.slice/kubepods-pod${UID_}.slice/crio-${ID}.scope\n`,
      container,
    ],
    [
      "v2, crun's sub-cgroup inside the container's scope",
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope/container\n`,
      container,
    ],
    ["v2, cgroupfs driver (k3s), Burstable", `0::/kubepods/burstable/pod${UID}/${ID}\n`, container],
    ["v2, cgroupfs driver, Guaranteed", `0::/kubepods/pod${UID}/${ID}\n`, container],
    ["v1, cgroupfs driver, BestEffort", `${v1(`/kubepods/besteffort/pod${UID}/${ID}`)}\n`, container],
    [
      "v1, systemd driver, Docker (dockershim)",
      v1(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/docker-${ID}.scope`),
      container,
    ],
    [
      "hybrid: v1 hierarchies in the pod, the unified line at the root",
      `${v1(`/kubepods/besteffort/pod${UID}/${ID}`)}\n0::/\n`,
      container,
    ],
    [
      "v2 seen through the reader's private cgroup namespace (ancestors hidden behind ..)",
      `0::/../../kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope\n`,
      container,
    ],
    [
      "cgroupfs seen through the reader's cgroup namespace",
      `0::/../../../burstable/pod${UID}/${ID}\n`,
      container,
    ],
    [
      "kind: a node in a Docker container, kubelet under --cgroup-root=/kubelet",
      `0::/system.slice/docker-${"a".repeat(64)}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope\n`,
      container,
    ],
    [
      "CRI-O's conmon, in the pod but in no container",
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID}.scope\n`,
      { inPod: true, podUid: UID },
    ],
    ["the pods' root itself", "0::/kubepods.slice/kubepods-burstable.slice\n", { inPod: true }],
    ["v2, a systemd service (sshd)", "0::/system.slice/sshd.service\n", host],
    ["v2, the kubelet", "0::/system.slice/kubelet.service\n", host],
    ["v2, CRI-O itself", "0::/system.slice/crio.service\n", host],
    ["v2, PID 1", "0::/init.scope\n", host],
    ["v1, chronyd", v1("/system.slice/chronyd.service"), host],
    ["v2, a Docker container started outside Kubernetes", `0::/system.slice/docker-${ID}.scope\n`, host],
    ["v1, a Docker container started outside Kubernetes (cgroupfs)", v1(`/docker/${ID}`), host],
    [
      "a host service seen through the reader's cgroup namespace",
      "0::/../../../../system.slice/rpcbind.service\n",
      host,
    ],
    ["a kernel thread", "0::/\n", host],
    ["an empty file", "", undefined],
    ["not a cgroup file", "hello\nworld\n", undefined],
    ["a line with no path", "0::\n", undefined],
  ])("%s", (_name, text, place) => {
    expect(placeOfCgroupFile(text)).toEqual(place);
  });

  it("skips a line far longer than a kernel writes, and keeps reading", () => {
    const text = `0::/${"x/".repeat(5000)}\n${v1(`/kubepods/besteffort/pod${UID}/${ID}`)}`;
    expect(placeOfCgroupFile(text)).toEqual(container);
  });

  it("does not take a 64-hex segment above the pod for the container", () => {
    expect(placeOfCgroupFile(`0::/docker/${ID}/kubepods/besteffort/pod${UID}\n`)).toEqual({
      inPod: true,
      podUid: UID,
    });
  });
});
