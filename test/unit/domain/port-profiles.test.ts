import { describe, expect, it } from "vitest";
import {
  excludedRanges,
  exclusionsHit,
  NODE_PORT_RANGE_LABEL,
  PROFILE_LABEL,
  type ProfileSettings,
  profileSettings,
} from "../../../src/domain/port-profiles.js";

const kubernetes: ProfileSettings = {
  profile: "kubernetes",
  nodePortRange: { from: 30000, to: 32767 },
  allowPrivileged: false,
};
const openshift: ProfileSettings = { ...kubernetes, profile: "openshift" };

const excludes = (settings: ProfileSettings, port: number, protocol: "TCP" | "UDP" = "TCP") =>
  exclusionsHit(excludedRanges(settings), protocol, port, port).length > 0;

describe("port profiles", () => {
  it.each([
    ["privileged 80", kubernetes, 80, "TCP", true],
    ["privileged 80 when asked for", { ...kubernetes, allowPrivileged: true }, 80, "TCP", false],
    ["etcd 2379", kubernetes, 2379, "TCP", true],
    ["kube-apiserver 6443", kubernetes, 6443, "TCP", true],
    ["kubelet 10250", kubernetes, 10250, "TCP", true],
    ["kube-scheduler 10259", kubernetes, 10259, "TCP", true],
    ["10260 (after the control-plane block)", kubernetes, 10260, "TCP", false],
    ["NodePort 30000", kubernetes, 30000, "TCP", true],
    ["NodePort 32767", kubernetes, 32767, "UDP", true],
    ["ephemeral 32768", kubernetes, 32768, "TCP", true],
    ["ephemeral 60999", kubernetes, 60999, "TCP", true],
    ["61000", kubernetes, 61000, "TCP", false],
    ["9100 on plain Kubernetes", kubernetes, 9100, "TCP", false],
    ["9100 on OpenShift (host-level services)", openshift, 9100, "TCP", true],
    ["VXLAN 4789/UDP on OpenShift", openshift, 4789, "UDP", true],
    ["4789/TCP on OpenShift", openshift, 4789, "TCP", false],
    ["Machine Config Server 22623 on OpenShift", openshift, 22623, "TCP", true],
    ["10080 (a router shard's usual choice)", openshift, 10080, "TCP", false],
    ["11936", openshift, 11936, "TCP", false],
  ] as const)("%s: excluded %s", (_name, settings, port, protocol, expected) => {
    expect(excludes(settings, port, protocol)).toBe(expected);
  });

  it("moves the NodePort exclusion with the cluster's range", () => {
    const custom = { ...kubernetes, nodePortRange: { from: 20000, to: 22767 } };
    expect(excludes(custom, 21000)).toBe(true);
    expect(excludes(custom, 30500)).toBe(false);
  });

  it("says why and where each range comes from", () => {
    for (const range of excludedRanges(openshift)) {
      expect(range.reason.length).toBeGreaterThan(5);
      expect(range.source.length).toBeGreaterThan(5);
    }
  });

  it.each([
    ["no labels", {}, { profile: "kubernetes", nodePortRange: { from: 30000, to: 32767 } }],
    ["distribution=openshift", { distribution: "openshift" }, { profile: "openshift" }],
    ["distribution=OKD", { distribution: "OKD" }, { profile: "openshift" }],
    [
      "the profile label wins",
      { distribution: "openshift", [PROFILE_LABEL]: "kubernetes" },
      { profile: "kubernetes" },
    ],
    [
      "a NodePort range label",
      { [NODE_PORT_RANGE_LABEL]: "20000-22767" },
      { nodePortRange: { from: 20000, to: 22767 } },
    ],
  ])("settings from labels: %s", (_name, labels, expected) => {
    const result = profileSettings(labels);
    expect(result.ok && result.settings).toMatchObject(expected);
  });

  it.each([
    ["an unknown profile", { [PROFILE_LABEL]: "nomad" }],
    ["a range that is not one", { [NODE_PORT_RANGE_LABEL]: "32767-30000" }],
    ["a range past 65535", { [NODE_PORT_RANGE_LABEL]: "60000-70000" }],
  ])("refuses %s with a message", (_name, labels) => {
    const result = profileSettings(labels);
    expect(result.ok ? "accepted" : result.message).toMatch(/label portolan\.dev\//);
  });

  it("lets the caller choose the profile and privileged ports", () => {
    const result = profileSettings({}, { profile: "openshift", allowPrivileged: true });
    expect(result.ok && result.settings).toMatchObject({ profile: "openshift", allowPrivileged: true });
  });
});
