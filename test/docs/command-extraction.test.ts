/** How the documented-commands runner reads Markdown: which fences are commands, markers, order. */
import { describe, expect, it } from "vitest";
import {
  documentedFiles,
  extractCommandBlocks,
  extractDocumentedCommands,
  unavailableFor,
} from "../helpers/documented-commands.js";

const doc = (...lines: string[]) => lines.join("\n");

describe("extracting command blocks from Markdown", () => {
  it("takes sh, bash, shell and console fences, in order, with the fence's line", () => {
    const text = doc(
      "# Title", //                                1
      "```sh", //                                  2
      "echo one",
      "```",
      "```json", //                                5
      '{"not": "a command"}',
      "```",
      "```bash", //                                8
      "echo two",
      "```",
      "```", //                                    11
      "plain text",
      "```",
      "```shell", //                               14
      "echo three",
      "```",
      "```console", //                             17
      "$ echo four \\",
      "  and more",
      "four and more",
      "$ echo five",
      "five",
      "```",
    );
    const { blocks, problems } = extractCommandBlocks("doc.md", text);
    expect(problems).toEqual([]);
    expect(blocks.map((b) => [b.line, b.language, b.script])).toEqual([
      [2, "sh", "echo one\n"],
      [8, "bash", "echo two\n"],
      [14, "shell", "echo three\n"],
      [17, "console", "echo four \\\n  and more\necho five\n"],
    ]);
  });

  it("dedents a fence inside a list item and ends it at its own closing fence only", () => {
    const text = doc(
      "1. Step:",
      "   ```bash",
      "   echo indented",
      "     echo deeper",
      "   ````not a close",
      "   ```",
      "after",
      "````sh",
      "```",
      "echo still inside",
      "````",
    );
    const { blocks } = extractCommandBlocks("doc.md", text);
    expect(blocks.map((b) => b.script)).toEqual([
      "echo indented\n  echo deeper\n````not a close\n",
      "```\necho still inside\n",
    ]);
  });

  it("reads the marker on the line before a fence (blank lines between allowed)", () => {
    const text = doc(
      "<!-- docs-test: skip — needs a Kubernetes cluster -->",
      "```sh",
      "kubectl get nodes",
      "```",
      "<!-- docs-test: server -->",
      "",
      "```sh",
      "npm run demo",
      "```",
      "```sh",
      "echo unmarked",
      "```",
      "   <!-- docs-test: skip - inside a list -->",
      "   ```bash",
      "   docker build .",
      "   ```",
    );
    const { blocks, problems } = extractCommandBlocks("doc.md", text);
    expect(problems).toEqual([]);
    expect(blocks.map((b) => b.marker)).toEqual([
      { kind: "skip", reason: "needs a Kubernetes cluster" },
      { kind: "server" },
      null,
      { kind: "skip", reason: "inside a list" },
    ]);
  });

  it("reports a marker that stands before prose, before an output block or says nothing known", () => {
    const text = doc(
      "<!-- docs-test: skip — lost -->",
      "Some prose.",
      "```sh",
      "echo not skipped",
      "```",
      "<!-- docs-test: skip — an output -->",
      "```json",
      "{}",
      "```",
      "<!-- docs-test: run twice -->",
      "```sh",
      "echo x",
      "```",
      "<!-- docs-test: skip — at the end -->",
    );
    const { blocks, problems } = extractCommandBlocks("doc.md", text);
    expect(blocks.map((b) => b.marker)).toEqual([null, null]);
    expect(problems).toEqual([
      "doc.md:1: docs-test marker before no command block",
      "doc.md:6: docs-test marker before a json block",
      'doc.md:10: unknown docs-test marker "run twice" (expected "skip — reason" or "server")',
      "doc.md:14: docs-test marker before no command block",
    ]);
  });

  it("tells what a block needs that a test run does not have, ignoring comments", () => {
    expect(unavailableFor("kubectl get nodes -o json > nodes.json\n")).toBe("a Kubernetes cluster");
    expect(unavailableFor("portolan plan x -o yaml | oc apply -f -\n")).toBe("a Kubernetes cluster");
    expect(unavailableFor("docker compose up -d\n")).toBe("a container engine");
    expect(unavailableFor("npm ci\n")).toBe("installing or the whole suite");
    expect(unavailableFor("npm run demo   # the server\n")).toBe("a server that runs until stopped");
    expect(unavailableFor("npx wrangler login\n")).toBe("a Cloudflare account");
    expect(unavailableFor("portolan plan fit -f x.yaml   # then oc apply -f x.yaml\n")).toBeNull();
    expect(unavailableFor("TOKEN=$(portolan clusters add lab --json | jq -r .token)\n")).toBeNull();
  });
});

describe("the documents the runner reads", () => {
  it("are README.md first, then docs/*.md by name", () => {
    const files = documentedFiles(".");
    expect(files[0]).toBe("README.md");
    const docs = files.slice(1);
    expect(docs.length).toBeGreaterThan(0);
    expect(docs.every((f) => f.startsWith("docs/") && f.endsWith(".md"))).toBe(true);
    expect(docs).toEqual([...docs].sort());
  });

  it("hold well-formed markers and one server block, README's", () => {
    const { blocks, problems } = extractDocumentedCommands(".");
    expect(problems).toEqual([]);
    expect(blocks.filter((b) => b.marker?.kind === "server").map((b) => b.file)).toEqual(["README.md"]);
  });
});
