/**
 * The contract is the agent's only way into the server's code: walks the agent's static and dynamic
 * import graph (esbuild's metafile, the resolution a bundle would use) and finds no module of src/
 * outside src/contract/; and @kubernetes/client-node (~70 MiB of RSS once imported) only through a
 * dynamic import, for the kubeconfig auth-providers, so the in-cluster agent never loads it.
 */
import { describe, expect, it } from "vitest";
import { metafileOf } from "../helpers/import-graph.js";

describe("the agent's import graph", () => {
  it("reaches src/ only through src/contract/", async () => {
    const inputs = Object.keys((await metafileOf("agents/src/main.ts")).inputs);
    expect(inputs).toContain("agents/src/push/pusher.ts");
    expect(inputs).toContain("src/contract/canonical.ts");
    const outside = inputs.filter((path) => path.startsWith("src/") && !path.startsWith("src/contract/"));
    expect(outside).toEqual([]);
  });

  it("loads @kubernetes/client-node only by a dynamic import, from client-node-auth.ts", async () => {
    const { inputs } = await metafileOf("agents/src/main.ts");
    const importers = Object.entries(inputs).flatMap(([path, input]) =>
      input.imports
        .filter((i) => i.path.startsWith("@kubernetes/client-node"))
        .map((i) => ({ path, kind: i.kind })),
    );
    expect(importers).toEqual([{ path: "agents/src/kube/client-node-auth.ts", kind: "dynamic-import" }]);
  });
});
