/**
 * The port allocation document in Markdown carries text a cluster chose (owner names, an
 * IngressController's strategy, an observed listener's process name) into table cells: through the
 * API and the CLI, none of it may become raw HTML in a Markdown renderer or split a cell or a row.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { type RunningServer, startServer } from "../../src/entry/node.js";
import { ingressController } from "../fixtures/ingress-fleet.js";
import { tcpListener } from "../fixtures/listeners.js";
import { hostNetworkPod, node, snapshot } from "../fixtures/snapshots.js";
import { createHarness, type Harness } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";

/** Legal in the contract: owner names and the strategy are free text (storableText), not DNS names. */
const SCRIPT = "<script>alert(1)</script>";
const OWNER = `${SCRIPT} a|b \\| c\nd`;
const STRATEGY = `${SCRIPT}a|b`;
/** A process name is the kernel's comm, at most 15 characters: markup, a pipe and a backslash fit. */
const PROCESS = "<script>a|b\\";

function hostileCluster(cluster: string): SnapshotInput {
  return {
    ...snapshot(
      cluster,
      "2026-12-01T10:00:00Z",
      [node("w1"), node("w2")],
      [hostNetworkPod("team-a", "proxy-1", "w1", [9100], { kind: "DaemonSet", name: OWNER })],
    ),
    ingressControllers: [
      { ...ingressController("edge", [20080, 20443, 21936], 1, 1), endpointPublishingStrategy: STRATEGY },
    ],
    nodeListeners: [
      {
        node: "w2",
        attribution: "process",
        listeners: [tcpListener(9100, "0.0.0.0", { processes: [{ name: PROCESS, pid: 1 }] })],
      },
    ],
  };
}

/** Cells of a Markdown table row as GFM splits it: a pipe escaped by a backslash does not split. */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\") {
      current += c + (line[i + 1] ?? "");
      i++;
    } else if (c === "|") {
      cells.push(current);
      current = "";
    } else current += c;
  }
  cells.push(current);
  return cells.slice(1, -1).map((c) => c.trim());
}

function expectSafeMarkdown(markdown: string) {
  expect(markdown).not.toMatch(/<script/i);
  const lines = markdown.split("\n");
  const icRow = lines.find((l) => l.startsWith("| openshift-ingress-operator/edge "));
  expect(icRow && cellsOf(icRow)).toEqual([
    "openshift-ingress-operator/edge",
    "&lt;script&gt;alert(1)&lt;/script&gt;a\\|b",
    "20080, 20443, 21936 (declared on every node it selects)",
    "1 asked, 1 available",
  ]);
  const portRow = lines.find((l) => l.startsWith("| 9100 "));
  expect(portRow && cellsOf(portRow)).toEqual([
    "9100",
    "TCP",
    "0.0.0.0",
    "team-a/&lt;script&gt;alert(1)&lt;/script&gt; a\\|b \\\\\\| c d (DaemonSet)",
    "1: w1",
    "1",
    "1 node: &lt;script&gt;a\\|b\\\\ (host-service); undeclared on 1 node a hostNetwork holder could take: a replica there would crash-loop",
  ]);
  // The owner's line break stays inside its cell: every table line is a whole row.
  for (const line of lines.filter((l) => l.startsWith("|"))) expect(line.endsWith("|"), line).toBe(true);
}

describe("the port allocation document in Markdown", () => {
  describe("through the HTTP app", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness();
    });
    afterAll(() => h.close());

    it("escapes HTML, pipes, backslashes and line breaks in every cell of reports.portMap", async () => {
      const token = await h.register("hostile");
      expect((await h.push(token, hostileCluster("hostile"))).status).toBe(200);
      const one = await h.query("reports.portMap", { cluster: "hostile", format: "markdown" });
      const fleet = await h.query("reports.portMap", { format: "markdown" });
      if (!one.ok || !fleet.ok) throw new Error("reports.portMap failed");
      expectSafeMarkdown(one.data.content);
      expectSafeMarkdown(fleet.data.content);
    });
  });

  describe("through the CLI", () => {
    const ADMIN = "report-escaping-admin-token";
    let server: RunningServer;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "portolan-report-"));
      server = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, adminToken: ADMIN });
    });
    afterAll(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const cli = (...argv: string[]) => runCli([...argv, "--url", server.url, "--token", ADMIN]);

    it("prints `portolan report` with every cell escaped", async () => {
      const added = await cli("clusters", "add", "hostile", "--json");
      const { token } = JSON.parse(added.out) as { token: string };
      const file = join(dir, "snapshot.json");
      writeFileSync(file, JSON.stringify(hostileCluster("hostile")));
      expect((await runCli(["push", file, "--token", token, "--url", server.url])).code).toBe(0);
      const report = await cli("report", "--cluster", "hostile");
      expect(report.code).toBe(0);
      expectSafeMarkdown(report.out);
      expectSafeMarkdown((await cli("report")).out);
    });
  });
});
