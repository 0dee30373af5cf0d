/** One cluster pushed and a read token: the cluster page's port grid as a signed-in reader sees it. */
import { expect } from "vitest";
import type { SnapshotInput } from "../../src/contract/snapshot.js";
import { createHarness } from "./app.js";

export async function gridReader(cluster: string, pushed: SnapshotInput, now: Date) {
  const h = await createHarness({ now: () => now });
  await h.reset();
  const res = await h.push(await h.register(cluster), pushed);
  expect(res.status, await res.clone().text()).toBe(200);
  const created = await h.mutate("tokens.createRead", { name: "grid" });
  if (!created.ok) throw new Error(created.error.message);
  const readToken = created.data.token;
  return {
    h,
    /** The grid's section of the page at `path` (a 200 expected). */
    async gridSection(path: string): Promise<string> {
      const page = await h.app.request(path, { headers: { cookie: `portolan_token=${readToken}` } });
      expect(page.status).toBe(200);
      const html = await page.text();
      const start = html.indexOf('id="grid-heading"');
      return html.slice(start, html.indexOf("</section>", start));
    },
  };
}
