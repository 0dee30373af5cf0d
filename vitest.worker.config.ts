/**
 * `npm run test:worker`: the Worker inside workerd (@cloudflare/vitest-pool-workers) against a fresh
 * PostgreSQL database, plus Node-side checks of the Worker bundle and wrangler.toml.
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { WORKER_TEST_ADMIN_TOKEN } from "./test/worker/constants.js";

/** A syntactically valid URL nobody listens on: the binding must exist even when tests are skipped. */
const UNREACHABLE = "postgres://skipped:skipped@127.0.0.1:9/skipped";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              hyperdrives: { HYPERDRIVE: inject("workerDatabaseUrl") ?? UNREACHABLE },
              bindings: {
                PORTOLAN_ADMIN_TOKEN: WORKER_TEST_ADMIN_TOKEN,
                WORKER_TEST_DATABASE: inject("workerDatabaseUrl") ? "yes" : "no",
              },
            },
          })),
        ],
        test: {
          name: "workerd",
          include: ["test/worker/**/*.worker.test.ts"],
          globalSetup: ["test/worker/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "worker-node",
          include: ["test/worker/**/*.node.test.ts"],
          globalSetup: ["test/worker/global-setup.ts"],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
