import { describe, expect, it } from "vitest";
import { DEFAULT_DEV_PORT, planDevWorker } from "../worker/tools/dev-worker.js";

const BASE = "postgres://postgres:postgres@127.0.0.1:5432/portolan";
const servedOn = (plan: { wranglerArgs: string[] }) =>
  plan.wranglerArgs.filter((_arg, i) => plan.wranglerArgs[i - 1] === "--port");

describe("npm run dev:worker arguments", () => {
  it.each([
    ["the defaults", [], {}, DEFAULT_DEV_PORT, BASE],
    ["--port N", ["--port", "9000"], {}, 9000, BASE],
    ["--port=N", ["--port=9000"], {}, 9000, BASE],
    ["PORT", [], { PORT: "9001" }, 9001, BASE],
    ["--port over PORT", ["--port", "9000"], { PORT: "9001" }, 9000, BASE],
    ["--database", ["--database", "portolan_dev"], {}, DEFAULT_DEV_PORT, `${BASE}_dev`],
    [
      "PORTOLAN_DEV_DATABASE",
      [],
      { PORTOLAN_DEV_DATABASE: "other" },
      DEFAULT_DEV_PORT,
      BASE.replace(/portolan$/, "other"),
    ],
  ])("%s", (_, args, env, port, databaseUrl) => {
    const plan = planDevWorker(args, env, BASE);
    expect(plan).toMatchObject({ port, databaseUrl });
    // Exactly one --port reaches wrangler, whatever was passed: two made `-- --port 9000` fail.
    expect(servedOn(plan)).toEqual([String(port)]);
    expect(plan.wranglerArgs.slice(0, 3)).toEqual(["dev", "--ip", "127.0.0.1"]);
  });

  it("passes other flags through to wrangler dev", () => {
    expect(
      planDevWorker(["--port", "9000", "--log-level", "debug"], {}, BASE).wranglerArgs.slice(-2),
    ).toEqual(["--log-level", "debug"]);
  });

  it.each([
    ["a port that is not a number", ["--port", "http"]],
    ["a port out of range", ["--port", "70000"]],
    ["--port without a value", ["--port"]],
    ["a database name that is not a plain identifier", ["--database", "Prod; DROP"]],
  ])("refuses %s as a usage error", (_, args) => {
    expect(() => planDevWorker(args, {}, BASE)).toThrow(/port|database/);
  });
});
