/** wrangler.toml as wrangler reads it, against what the Worker entry expects. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { readWorkerEnv, WORKER_ENV_KEYS } from "../../src/config/worker-env.js";
import { readWranglerConfig, repoRoot } from "./tools/wrangler-config.js";

const config = readWranglerConfig();
/** the newest compatibility date the workerd that wrangler runs locally knows (it ships no types) */
const workerdDate = (createRequire(import.meta.url)("workerd") as { compatibilityDate: string })
  .compatibilityDate;
const vars = config.vars as Record<string, unknown>;

/** Seconds between runs of the cron forms this project uses; anything else must be taught here. */
function cronPeriodSeconds(cron: string): number {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 || fields.slice(2).some((f) => f !== "*"))
    throw new Error(`unsupported cron ${cron}`);
  const [minute, hour] = fields as [string, string];
  const every = /^\*\/(\d+)$/.exec(minute);
  if (every && hour === "*") return Number(every[1]) * 60;
  if (/^\d+$/.test(minute) && hour === "*") return 3600;
  if (/^\d+$/.test(minute) && /^\d+$/.test(hour)) return 86_400;
  throw new Error(`unsupported cron ${cron}`);
}

describe("wrangler.toml", () => {
  it("points at the Worker entry with nodejs_compat, on a date the bundled workerd supports", () => {
    expect(config.main && existsSync(config.main)).toBe(true);
    expect(config.main?.startsWith(repoRoot) ? config.main.slice(repoRoot.length) : config.main).toBe(
      "src/entry/worker.ts",
    );
    expect(config.compatibility_flags).toContain("nodejs_compat");
    expect(config.compatibility_date && config.compatibility_date <= workerdDate).toBe(true);
    expect(config.send_metrics).toBe(false);
  });

  it("binds HYPERDRIVE with a local connection string miniflare accepts (it needs a password)", () => {
    const binding = config.hyperdrive.find((h: { binding: string }) => h.binding === "HYPERDRIVE");
    const local = new URL(binding?.localConnectionString ?? "");
    expect(local.protocol).toBe("postgres:");
    expect(local.username).not.toBe("");
    expect(local.password).not.toBe("");
  });

  it("sets only variables the Worker reads, never the admin token or open access", () => {
    const known: readonly string[] = WORKER_ENV_KEYS;
    expect(Object.keys(vars).filter((key) => !known.includes(key))).toEqual([]);
    expect(vars).not.toHaveProperty("PORTOLAN_ADMIN_TOKEN");
    expect(vars).not.toHaveProperty("PORTOLAN_OPEN_ACCESS");
  });

  it("has vars the Worker accepts once a token and the binding are there", () => {
    const parsed = readWorkerEnv({
      ...vars,
      HYPERDRIVE: { connectionString: "postgres://u:p@127.0.0.1:5432/d" },
      PORTOLAN_ADMIN_TOKEN: "an-admin-token-of-enough-length",
    });
    expect(parsed).toMatchObject({ ok: true, config: { openAccess: false } });
  });

  it("runs maintenance once per PORTOLAN_MAINTENANCE_INTERVAL_SECONDS, so staleness is reported once", () => {
    expect(config.triggers.crons).toHaveLength(1);
    const [cron] = config.triggers.crons as [string];
    expect(cronPeriodSeconds(cron)).toBe(Number(vars.PORTOLAN_MAINTENANCE_INTERVAL_SECONDS));
  });
});
