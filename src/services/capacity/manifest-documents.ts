/**
 * A manifest's text → its documents as plain values, without holding the event loop: JSON goes
 * through JSON.parse (fast, and what YAML would read anyway); YAML is lexed, parsed and composed one
 * token at a time, yielding to other work every MANIFEST_SLICE_MS. The one step that cannot be cut
 * is composing a single document, so a document's size in tokens and its depth are bounded. Duplicate map keys are
 * found in one pass per map (the YAML library's own check compares every key with every other one:
 * a 1 MiB map of distinct keys cost minutes).
 */
import { Composer, type Document, isMap, isScalar, Lexer, LineCounter, Parser, visit } from "yaml";
import type { ErrorIssue } from "../errors.js";

/** How long the parse runs before it lets the event loop answer others. */
export const MANIFEST_SLICE_MS = 10;
/**
 * YAML tokens one document may have: composing a document is one uninterrupted step. A 1 MiB
 * `kubectl get -o yaml` List stays below it; 1 MiB of one-character keys or list items does not.
 */
export const MAX_MANIFEST_DOCUMENT_TOKENS = 200_000;
/**
 * Documents per manifest: each costs the parser a fixed overhead, and a Helm render of 1 MiB has a
 * few hundred; 1 MiB of `---` lines (262,144 empty documents) cost seconds of CPU.
 */
export const MAX_MANIFEST_DOCUMENTS = 10_000;
/**
 * How deep the parser's open collections may nest: each line's work grows with the depth, and
 * composing recurses through it. Kubernetes objects (CRD schemas included) stay far below it.
 */
export const MAX_MANIFEST_DEPTH = 128;
/** aliases expanded per document (billion-laughs) */
const MAX_ALIAS_COUNT = 100;

export interface ParsedManifest {
  values: unknown[];
  issues: ErrorIssue[];
}

/** A clock that says when a slice is used up; `pause` lets other work run, then starts a new slice. */
export function timeSlices(sliceMs = MANIFEST_SLICE_MS) {
  let since = performance.now();
  return {
    due: () => performance.now() - since >= sliceMs,
    async pause(): Promise<void> {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      since = performance.now();
    },
  };
}

export class DocumentTooLarge extends Error {
  constructor(
    readonly document: number,
    what: string,
  ) {
    super(`document ${document} ${what}`);
  }
}

export class TooManyDocuments extends Error {
  constructor(max: number) {
    super(`more than ${max} documents; split the manifest`);
  }
}

/** A top-level JSON object or array: read with JSON.parse; anything else is YAML. */
function asJson(text: string): { value: unknown } | null {
  const first = text.trimStart()[0];
  if (first !== "{" && first !== "[") return null;
  try {
    return { value: JSON.parse(text) };
  } catch {
    // Not JSON after all (YAML flow style, or broken): YAML reads it and names the problem.
    return null;
  }
}

export async function parseManifestDocuments(
  text: string,
  slices = timeSlices(),
  bounds = { documentTokens: MAX_MANIFEST_DOCUMENT_TOKENS, documents: MAX_MANIFEST_DOCUMENTS },
): Promise<ParsedManifest> {
  const maxDocumentTokens = bounds.documentTokens;
  const json = asJson(text);
  if (json) return { values: [json.value], issues: [] };
  const values: unknown[] = [];
  const issues: ErrorIssue[] = [];
  const lines = new LineCounter();
  const where = (offset: number) => {
    if (offset < 0) return "";
    const { line, col } = lines.linePos(offset);
    return ` at line ${line}, column ${col}`;
  };
  const accept = (doc: Document.Parsed) => {
    const document = values.length + 1;
    const errors = [...doc.errors.map((e) => `${e.message}${where(e.pos[0])}`), ...duplicateKeys(doc, where)];
    if (errors.length > 0) {
      for (const message of errors) issues.push({ document, path: "", message });
      values.push(null);
      return;
    }
    try {
      values.push(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
    } catch (error) {
      issues.push({ document, path: "", message: (error as Error).message });
      values.push(null);
    }
  };
  const parser = new Parser(lines.addNewLine);
  // Duplicate keys are checked by duplicateKeys, in linear time.
  const composer = new Composer({ uniqueKeys: false });
  lines.addNewLine(0);
  let parsedDocuments = 0;
  let tokensInDocument = 0;
  let tokens = 0;
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) {
      // The parser hands over a document when it is complete: the next one starts from zero.
      if (token.type === "document") parsedDocuments += 1;
      if (parsedDocuments > bounds.documents) throw new TooManyDocuments(bounds.documents);
      tokensInDocument = 0;
      for (const doc of composer.next(token)) accept(doc);
    }
    tokensInDocument += 1;
    if (tokensInDocument > maxDocumentTokens)
      throw new DocumentTooLarge(
        parsedDocuments + 1,
        `has more than ${maxDocumentTokens} YAML tokens; split it (a List into its items)`,
      );
    if (parser.stack.length > MAX_MANIFEST_DEPTH)
      throw new DocumentTooLarge(parsedDocuments + 1, `nests deeper than ${MAX_MANIFEST_DEPTH} levels`);
    tokens += 1;
    // The clock is read every 32 tokens: often enough for costly ones, cheap for the rest.
    if ((tokens & 31) === 0 && slices.due()) await slices.pause();
  }
  for (const token of parser.end()) for (const doc of composer.next(token)) accept(doc);
  for (const doc of composer.end()) accept(doc);
  return { values, issues };
}

/** "Map keys must be unique" for each repeated scalar key, one pass per map. */
function duplicateKeys(doc: Document.Parsed, where: (offset: number) => string): string[] {
  const found: string[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key)) continue;
        // The library's own rule: scalars with the same value (1 and "1" differ).
        const id = `${typeof key.value}:${String(key.value)}`;
        if (seen.has(id)) found.push(`Map keys must be unique${where(key.range?.[0] ?? -1)}`);
        seen.add(id);
      }
    },
  });
  return found;
}
