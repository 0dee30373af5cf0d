/**
 * The Node server's crash guard (src/entry/crash-guard.ts) contains exactly one known driver crash
 * and lets every other uncaught exception end the process, as Node would. Each case runs in a
 * child process, where an exit is observable.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { isClosedConnectionWrite } from "../../src/db/postgres.js";

const guard = pathToFileURL(resolve("src/entry/crash-guard.ts")).href;

/** The driver's crash as Node reports it: this message, thrown from postgres.js' nextWrite. */
function driverCrash(file = "/srv/node_modules/postgres/src/connection.js"): TypeError {
  const error = new TypeError("Cannot read properties of null (reading 'write')");
  error.stack = `TypeError: ${error.message}\n    at Immediate.nextWrite (file://${file}:255:22)\n    at process.processImmediate (node:internal/timers:483:21)`;
  return error;
}

/** Runs `body` after installing the guard; returns the exit code and output. */
function runGuarded(body: string) {
  const script = `
    const { installCrashGuard } = await import(${JSON.stringify(guard)});
    installCrashGuard();
    ${body}
    setTimeout(() => { console.log("still alive"); process.exit(0); }, 300);
  `;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("the crash guard", () => {
  it.each([
    ["the driver's crash", driverCrash(), true],
    ["the CommonJS build's", driverCrash("/srv/node_modules/postgres/cjs/src/connection.js"), true],
    ["the same message from another file", driverCrash("/srv/src/services/ingest.js"), false],
    ["another message from nextWrite", Object.assign(driverCrash(), { message: "boom" }), false],
    ["a plain Error", new Error("Cannot read properties of null (reading 'write')"), false],
  ])("recognises %s: %s", (_label, error, expected) => {
    expect(isClosedConnectionWrite(error)).toBe(expected);
  });

  it("keeps the process alive after the driver's crash and says the pool was replaced", () => {
    const stack = JSON.stringify(driverCrash().stack);
    const run = runGuarded(`setImmediate(() => {
      const e = new TypeError("Cannot read properties of null (reading 'write')");
      e.stack = ${stack};
      throw e;
    });`);
    expect(run.output).toContain("its pool was replaced");
    expect(run.output).toContain("still alive");
    expect(run.status).toBe(0);
  });

  it.each([
    [
      "any other uncaught exception",
      `setImmediate(() => { throw new TypeError("Cannot read properties of null (reading 'write')"); });`,
    ],
    ["an unhandled rejection", `Promise.reject(new Error("nobody waits for this"));`],
  ])("exits with status 1 on %s, and logs it", (_label, body) => {
    const run = runGuarded(body);
    expect(run.output).toContain("uncaught exception: exiting");
    expect(run.output).not.toContain("still alive");
    expect(run.status).toBe(1);
  });
});
