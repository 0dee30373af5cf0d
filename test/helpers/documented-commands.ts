/**
 * The shell commands README.md and docs/*.md show, as blocks to run in order (test/docs/). A fenced
 * block tagged sh, bash, shell or console is a command block; an HTML comment on the nearest line
 * before its fence says how the runner treats it:
 *
 *   <!-- docs-test: skip — why it cannot run here -->   not run; listed with the reason
 *   <!-- docs-test: server -->                          starts the server the later blocks talk to
 *
 * Anything else tagged (json, yaml, markdown, untagged) is an output or a file's text, not commands.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const COMMAND_LANGUAGES = new Set(["sh", "bash", "shell", "console"]);

export type BlockMarker = { kind: "skip"; reason: string } | { kind: "server" } | null;

export interface CommandBlock {
  /** the document, relative to the repository root */
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  language: string;
  /** the commands, dedented by the fence's indentation (console: the `$ ` lines, prompt removed) */
  script: string;
  marker: BlockMarker;
}

export interface Extraction {
  blocks: CommandBlock[];
  /** markers that are malformed or stand before no command block: `file:line: what is wrong` */
  problems: string[];
}

const MARKER = /^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$/;
const FENCE_OPEN = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/;

function parseMarker(text: string): BlockMarker | string {
  if (text === "server") return { kind: "server" };
  const skip = /^skip\s*(?:—|-|:)\s*(\S.*)$/.exec(text);
  if (skip?.[1]) return { kind: "skip", reason: skip[1] };
  return `unknown docs-test marker "${text}" (expected "skip — reason" or "server")`;
}

/** A console block's commands: the lines after a `$ ` prompt, with their `\` continuations. */
function consoleCommands(lines: readonly string[]): string[] {
  const commands: string[] = [];
  let continuing = false;
  for (const line of lines) {
    if (line.startsWith("$ ")) commands.push(line.slice(2));
    else if (continuing) commands.push(line);
    continuing = (line.startsWith("$ ") || continuing) && line.endsWith("\\");
  }
  return commands;
}

export function extractCommandBlocks(file: string, text: string): Extraction {
  const lines = text.split("\n");
  const blocks: CommandBlock[] = [];
  const problems: string[] = [];
  let pending: { marker: BlockMarker; line: number } | null = null;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const marker = MARKER.exec(line);
    if (marker) {
      if (pending) problems.push(`${file}:${pending.line}: docs-test marker before no command block`);
      const parsed = parseMarker(marker[1] ?? "");
      if (typeof parsed === "string") problems.push(`${file}:${i + 1}: ${parsed}`);
      else pending = { marker: parsed, line: i + 1 };
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (!open) {
      // A marker applies to the fence right after it (blank lines allowed), not to one further down.
      if (pending && line.trim() !== "") {
        problems.push(`${file}:${pending.line}: docs-test marker before no command block`);
        pending = null;
      }
      continue;
    }
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? "```";
    const language = (open[3] ?? "").toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    const close = new RegExp(`^ *${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j] ?? ""); j++) {
      const raw = lines[j] ?? "";
      const strip = Math.min(indent, raw.length - raw.trimStart().length);
      body.push(raw.slice(strip));
    }
    if (COMMAND_LANGUAGES.has(language)) {
      const commands = language === "console" ? consoleCommands(body) : body;
      blocks.push({
        file,
        line: i + 1,
        language,
        script: `${commands.join("\n").trimEnd()}\n`,
        marker: pending?.marker ?? null,
      });
    } else if (pending) {
      problems.push(`${file}:${pending.line}: docs-test marker before a ${language || "plain"} block`);
    }
    pending = null;
    i = j;
  }
  if (pending) problems.push(`${file}:${pending.line}: docs-test marker before no command block`);
  return { blocks, problems };
}

/** README.md first (what a newcomer runs), then docs/*.md by name: the order the runner follows. */
export function documentedFiles(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort();
  return ["README.md", ...docs.map((name) => `docs/${name}`)];
}

export function extractDocumentedCommands(root: string): Extraction {
  const all: Extraction = { blocks: [], problems: [] };
  for (const file of documentedFiles(root)) {
    const { blocks, problems } = extractCommandBlocks(file, readFileSync(join(root, file), "utf8"));
    all.blocks.push(...blocks);
    all.problems.push(...problems);
  }
  return all;
}

/**
 * What a block needs that the runner does not have: a Kubernetes or OpenShift cluster, containers,
 * Cloudflare, a package install, the test suite itself or a server that runs until stopped. An
 * unmarked block needing one of these is refused: it must say why it is skipped.
 */
const UNAVAILABLE: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /(?:^|[|;&(]\s*|\$\(\s*)(?:kubectl|oc|kustomize|helm)\s/m, what: "a Kubernetes cluster" },
  { pattern: /(?:^|[|;&(]\s*)(?:docker|podman)\s/m, what: "a container engine" },
  { pattern: /(?:^|[|;&(]\s*)ssh\s/m, what: "ssh to a node" },
  { pattern: /\bwrangler\s+(?:login|deploy|hyperdrive)\b/, what: "a Cloudflare account" },
  { pattern: /(?:^|[|;&(]\s*)npm\s+(?:ci|install|test)\b/m, what: "installing or the whole suite" },
  {
    pattern: /(?:^|[|;&(]\s*)npm\s+(?:start|run\s+(?:dev:worker|demo))\b/m,
    what: "a server that runs until stopped",
  },
  { pattern: /\bportolan\s+serve\b/, what: "a server that runs until stopped" },
];

/** Why the runner cannot run a script, or null when it can. */
export function unavailableFor(script: string): string | null {
  const code = script
    .split("\n")
    .map((line) => line.replace(/(?:^|\s)#.*$/, ""))
    .join("\n");
  return UNAVAILABLE.find(({ pattern }) => pattern.test(code))?.what ?? null;
}
