/**
 * The real clusters among ../shared/k8s-dumps (origins in its SOURCES.md): one per source, its node list
 * and its pod documents as kubectl (or a bundle) wrote them. Tests read the files where they are.
 */
export const realDumpClusters = [
  {
    name: "k3s-troubleshoot",
    files: [
      "troubleshoot-k3s-nodes.json",
      "troubleshoot-k3s-pods-kube-system.json",
      "troubleshoot-k3s-pods-default.json",
    ],
  },
  {
    name: "openshift-insights",
    files: [
      "insights-node-master-0.json",
      "insights-node-worker-0.json",
      "insights-pod-etcd-master-0.json",
      "insights-pod-kube-controller-manager-master-0.json",
      "insights-pod-kube-scheduler-master-0.json",
      "insights-pod-router-default-pending.json",
    ],
  },
  {
    name: "kurl-sbctl",
    files: [
      "sbctl-kurl-nodes.json",
      "sbctl-kurl-pods-kube-system.json",
      "sbctl-kurl-pods-projectcontour.json",
    ],
  },
  {
    name: "kubeadm-describecluster",
    files: ["synthetic-nodes-describecluster.json", "describecluster-kubeadm-pods.json"],
  },
  {
    name: "aks-k8s-arena",
    files: ["synthetic-nodes-k8s-arena.json", "k8s-arena-aks-pods-kube-system.json"],
  },
] as const;

export type RealDumpCluster = (typeof realDumpClusters)[number]["name"];
