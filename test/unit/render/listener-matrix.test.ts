import { describe, expect, it } from "vitest";
import type { ListenerMatrixRow } from "../../../src/domain/listener-matrix.js";
import { listenerMatrixCsv, listenerMatrixMarkdown } from "../../../src/render/listener-matrix.js";

const row = (extra: Partial<ListenerMatrixRow> = {}): ListenerMatrixRow => ({
  nodeRole: "worker",
  protocol: "TCP",
  port: 22,
  scopes: ["wildcard"],
  processes: ["sshd"],
  pods: [],
  classes: ["host-service"],
  declared: false,
  nodes: 3,
  nodeNames: ["w1", "w2", "w3"],
  ...extra,
});

describe("rendering the node listener matrix", () => {
  it("writes commatrix's columns and drops loopback-only rows from the CSV", () => {
    const csv = listenerMatrixCsv([
      row(),
      row({ port: 29103, scopes: ["loopback"], processes: ["ovnkube"] }),
    ]);
    expect(csv).toBe(
      "Direction,Protocol,Port,Namespace,Service,Pod,Container,NodeGroup,Optional\nIngress,TCP,22,,sshd,,,worker,false",
    );
  });

  it("quotes a CSV field with a comma and escapes Markdown cells", () => {
    const odd = row({ processes: ["a,b|c"], pods: [{ namespace: "ns", name: "<p>", container: "c" }] });
    expect(listenerMatrixCsv([odd]).split("\n")[1]).toBe('Ingress,TCP,22,ns,"a,b|c",<p>,c,worker,false');
    const markdown = listenerMatrixMarkdown("c|1", [odd, row({ port: 29103, scopes: ["loopback"] })]);
    expect(markdown).toContain(
      "| worker | TCP | 22 | wildcard | a,b\\|c | ns/&lt;p&gt; (c) | no | host-service | 3 |",
    );
    expect(markdown).toContain("| 29103 | loopback |");
    expect(markdown.split("\n")[0]).toBe("# Node listeners of c|1");
  });
});
