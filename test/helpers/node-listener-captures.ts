/**
 * commatrix's real `ss` captures in ../shared/node-listeners (read in place), as the product's ss
 * parser reads them: what listener tests push, plan against and render /proc fixtures from.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mergeNodeListeners, parseSsNodes } from "../../src/contract/listener-parsers/ss.js";
import type { NodeListeners } from "../../src/contract/listeners.js";
import { sharedInputDir } from "./shared-inputs.js";

export const NODE_LISTENERS = sharedInputDir("node-listeners", "NODE_LISTENERS_DIR");
export const BARE_METAL_RUN = "bm-3master-3worker-4.23";

/** Every node of one of commatrix's runs, TCP and UDP merged. */
export function captureNodes(run: string): NodeListeners[] {
  const dir = join(NODE_LISTENERS.dir, "commatrix", "ci-evidence", run);
  const tcp = parseSsNodes(readFileSync(join(dir, "raw-ss-tcp"), "utf8"), "TCP");
  const udp = parseSsNodes(readFileSync(join(dir, "raw-ss-udp"), "utf8"), "UDP");
  if (!tcp.ok || !udp.ok) throw new Error("the capture does not parse");
  const merged = mergeNodeListeners(tcp.value, udp.value);
  if (!merged.ok) throw new Error(merged.message);
  return merged.value;
}
