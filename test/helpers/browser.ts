/**
 * Browser tests drive Debian's chromium through playwright-core (no browser download) against a real
 * HTTP server on a random port. Without chromium they skip, unless CI_REQUIRE_TOOLS says it must be
 * there (.ci/run installs it and sets that), and then they fail.
 */
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Browser, chromium, type Page } from "playwright-core";
import type { Harness } from "./app.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && !process.env.CI_REQUIRE_TOOLS) {
  console.warn(
    `browser tests skipped: no chromium at ${CHROMIUM} (apt install chromium, or set CHROMIUM_PATH)`,
  );
}

/** true when the browser tests must run (chromium there, or required by CI so that its absence fails) */
export const runBrowserTests = haveChromium || Boolean(process.env.CI_REQUIRE_TOOLS);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
}

/** The harness's app behind a real socket on 127.0.0.1 and a port the system picks. */
export async function listen(h: Harness): Promise<{ url: string; close: () => Promise<void> }> {
  const server = serve({ fetch: h.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Signs `page` in through the token form, as a reader would: the cookie carries the token from then on. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/session`);
  await page.getByLabel("Token", { exact: true }).fill(token);
  await page.getByRole("button", { name: "Use this token" }).click();
  await page.waitForURL(`${url}/`);
}
