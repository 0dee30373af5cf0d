/** Answer shapes the tests read back from the API. */

/** One allocation as ports.who and ports.node present it. */
export interface AllocationAnswer {
  cluster: string;
  node: string;
  namespace: string;
  pod: string;
  container: string;
  protocol: string;
  hostIP: string;
  hostPort: number;
  since: string;
  until: string | null;
}
