/**
 * Real-world inputs kept beside the checkout in ../shared (never copied into the repository). A git
 * worktree sits elsewhere, so an environment variable may name the folder instead.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** `../shared/<name>` from the repository root, or the folder `envVar` names. */
export function sharedInputDir(name: string, envVar: string): { dir: string; present: boolean } {
  const dir = process.env[envVar] ?? resolve(import.meta.dirname, "..", "..", "..", "shared", name);
  const present = existsSync(dir);
  if (!present) console.log(`${dir} is not here (set ${envVar}): the tests on it are skipped`);
  return { dir, present };
}
