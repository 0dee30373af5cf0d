import { describe, expect, it } from "vitest";
import { choosePorts, refusalsOf } from "../../../src/domain/ingress-plan.js";

const cluster = { name: "c", excluded: [], reserved: [] };

describe("ingress plan: a port a node listens on is refused as listened", () => {
  it.each([
    { port: 22, held: [], listened: [22], reasons: ["listened"] },
    { port: 80, held: [80], listened: [80], reasons: ["held", "listened"] },
    { port: 81, held: [80], listened: [22], reasons: [] },
  ])("port $port: $reasons", ({ port, held, listened, reasons }) => {
    expect(refusalsOf(port, [cluster], new Set(held), new Set(listened)).map((r) => r.reason)).toEqual(
      reasons,
    );
  });

  it("the contiguous search skips listened ports", () => {
    const choice = choosePorts({
      clusters: [cluster],
      held: new Set(),
      listened: new Set([29103, 29105, 29108]),
      window: { from: 29103, to: 29120 },
      preferred: undefined,
    });
    expect(choice.chosen?.ports).toEqual({ httpPort: 29109, httpsPort: 29110, statsPort: 29111 });
  });
});
