/**
 * Refreshes the demo scrape in deploy/prometheus/tests/portolan-rules.test.yaml (its first test's
 * input series) from a running demo:
 *   npm run demo   # in another shell; prints the URL and a read token
 *   npx tsx test/prometheus/update-demo-series.ts http://127.0.0.1:8080 ptl_read_…
 * (then `npx biome check --write deploy/prometheus`: the lint formats YAML). The expected alerts
 * beside them are written by hand.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { DEMO_SERIES_MINUTES, promtoolInputSeries, RULES_TEST_FILE } from "./series.js";

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error("usage: tsx test/prometheus/update-demo-series.ts <portolan URL> <read token>");
  process.exit(2);
}
const response = await fetch(new URL("/metrics", url), { headers: { authorization: `Bearer ${token}` } });
if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
const series = promtoolInputSeries(await response.text(), DEMO_SERIES_MINUTES);
const document = parseDocument(readFileSync(RULES_TEST_FILE, "utf8"));
document.setIn(["tests", 0, "input_series"], series);
writeFileSync(RULES_TEST_FILE, document.toString({ lineWidth: 0 }));
console.log(`${series.length} series written to ${RULES_TEST_FILE.pathname}`);
