/**
 * The part of @cloudflare/vitest-pool-workers' `cloudflare:test` module these tests use, typed
 * without the Workers global types (they clash with the DOM lib the rest of the repo type-checks with).
 */
declare module "cloudflare:test" {
  import type { ExecutionContext, ScheduledController } from "@cloudflare/workers-types";

  /** the Worker of wrangler.toml `main`, in the tests' isolate */
  export const SELF: { fetch(input: string, init?: RequestInit): Promise<Response> };
  /** wrangler.toml bindings and vars, plus the test config's miniflare.bindings */
  export const env: Record<string, unknown>;
  export function createExecutionContext(): ExecutionContext;
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;
  export function createScheduledController(options?: {
    scheduledTime?: Date | number;
    cron?: string;
  }): ScheduledController;
}
