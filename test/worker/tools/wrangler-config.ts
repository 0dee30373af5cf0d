/** wrangler.toml as wrangler itself reads it (Node side: tools and consistency tests). */
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export function readWranglerConfig() {
  return unstable_readConfig({ config: `${repoRoot}wrangler.toml` }, { hideWarnings: true });
}

/** Where local workerd's Hyperdrive binding connects, with wrangler's environment override. */
export function localConnectionString(): string {
  const override = process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE;
  if (override) return override;
  const binding = readWranglerConfig().hyperdrive.find(
    (h: { binding: string }) => h.binding === "HYPERDRIVE",
  );
  if (!binding?.localConnectionString)
    throw new Error("wrangler.toml has no HYPERDRIVE localConnectionString");
  return binding.localConnectionString;
}
