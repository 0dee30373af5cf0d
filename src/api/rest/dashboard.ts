/**
 * GET /: a small dashboard (fleet, port map, who holds a port, headroom). One static page that calls
 * the same tRPC procedures as curl does; the bearer token, when the server needs one, stays in the
 * browser's localStorage. No build step, so it works unchanged on Workers.
 *
 * Script and styles are served as files, never inline, so the Content-Security-Policy can forbid
 * inline script: an injected `<script>` or `onerror=` in a cluster or pod name would not run.
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../env.js";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Portolan</title>
<link rel="stylesheet" href="/dashboard.css"></head><body>
<header><h1>Portolan</h1><span>host ports across the fleet</span><span class="spacer"></span><button id="token">token…</button></header>
<main>
<p id="error"></p>
<section><h2>Fleet</h2><table id="fleet"></table></section>
<section><h2>Who holds a port?</h2><form id="whoForm"><input id="whoPort" type="number" min="1" max="65535" placeholder="9100" required>
<select id="whoProto"><option value="">any</option><option>TCP</option><option>UDP</option><option>SCTP</option></select>
<input id="whoAsOf" placeholder="as of (ISO time, optional)"> <button>Look up</button></form><div id="who"></div></section>
<section><h2>Cluster <select id="cluster"></select></h2><h3>Port map</h3><table id="map"></table><h3>Headroom</h3><table id="headroom"></table></section>
</main>
<script src="/dashboard.js"></script></body></html>`;

const STYLES = `body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header h1{font-size:18px;margin:0}main{padding:16px 20px;max-width:1200px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 16px;margin-bottom:16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{font-weight:600;color:#566}.none{color:#b00020;font-weight:600}.low{color:#b36b00;font-weight:600}.ok{color:#1b7f3b}
.stale{color:#b00020}button,input,select{font:inherit;padding:3px 8px}#error{color:#b00020}
.spacer{flex:1}
`;

const SCRIPT = `const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\\"":"&quot;"}[c]));
async function call(path, input) {
  const token = localStorage.getItem("portolanToken");
  const res = await fetch("/trpc/" + path + "?input=" + encodeURIComponent(JSON.stringify(input ?? {})),
    { headers: token ? { authorization: "Bearer " + token } : {} });
  const body = await res.json();
  if (body.error) throw new Error(body.error.message + (res.status === 401 ? " (set a read token)" : ""));
  return body.result.data;
}
function rows(el, head, data) {
  el.innerHTML = "<tr>" + head.map((h) => "<th>" + esc(h) + "</th>").join("") + "</tr>" +
    data.map((r) => "<tr>" + r.map((c) => "<td>" + c + "</td>").join("") + "</tr>").join("");
}
function show(err) { $("error").textContent = err ? String(err.message || err) : ""; }
async function loadFleet() {
  const page = await call("clusters.list", { limit: 1000 });
  const clusters = page.clusters;
  if (page.nextCursor) show("the first 1,000 clusters (by name) are shown; portolan clusters list lists them all");
  rows($("fleet"), ["cluster", "nodes", "host-port pods", "allocations", "last observed", "state"],
    clusters.map((c) => [esc(c.name), c.nodes, c.pods, c.allocations, esc(c.lastObservedAt ?? "never"),
      c.stale ? '<span class="stale">stale</span>' : "fresh"]));
  $("cluster").innerHTML = clusters.map((c) => "<option>" + esc(c.name) + "</option>").join("");
  if (clusters.length) await loadCluster();
}
async function loadCluster() {
  const cluster = $("cluster").value;
  const map = await call("ports.map", { cluster });
  rows($("map"), ["port", "host IP", "workloads", "held on", "free"], map.ports.map((p) => [
    p.hostPort + "/" + p.protocol, esc(p.hostIP), p.workloads.map((w) => esc(w.namespace + "/" + w.name + " (" + w.kind + ")")).join("<br>"),
    p.heldCount + " node(s)", '<span class="' + (p.freeCount === 0 ? "none" : p.freeCount === 1 ? "low" : "ok") + '">' + p.freeCount + "</span>"]));
  try {
    const headroom = await call("capacity.headroom", { clusters: [cluster] });
    rows($("headroom"), ["workload", "replicas", "eligible", "free", "headroom", "max replicas (1 spare)"],
      headroom.workloads.map((w) => [esc(w.namespace + "/" + w.name + " (" + w.kind + ")"), w.replicas, w.eligibleNodes, w.freeNodes,
        '<span class="' + w.status + '">' + w.headroom + " " + w.status + "</span>", w.maxReplicasKeepingOneSpare]));
  } catch (e) { $("headroom").innerHTML = "<tr><td>" + esc(e.message) + "</td></tr>"; }
}
$("cluster").onchange = () => loadCluster().catch(show);
$("whoForm").onsubmit = (ev) => {
  ev.preventDefault();
  const input = { hostPort: Number($("whoPort").value) };
  if ($("whoProto").value) input.protocol = $("whoProto").value;
  if ($("whoAsOf").value) input.asOf = $("whoAsOf").value;
  call("ports.who", input).then((a) => {
    $("who").innerHTML = "<p>" + a.summary.total + " allocation(s)</p><table id='whoTable'></table>";
    rows($("whoTable"), ["cluster", "node", "pod", "owner", "port", "host IP", "since"], a.allocations.map((x) => [
      esc(x.cluster), esc(x.node), esc(x.namespace + "/" + x.pod), esc(x.owner ? x.owner.kind + "/" + x.owner.name : "-"),
      x.hostPort + "/" + x.protocol, esc(x.hostIP), esc(x.since)]));
    show();
  }).catch(show);
};
$("token").onclick = () => {
  const token = prompt("Bearer token (read or admin); empty to clear", localStorage.getItem("portolanToken") ?? "");
  if (token === null) return;
  token ? localStorage.setItem("portolanToken", token) : localStorage.removeItem("portolanToken");
  loadFleet().then(() => show()).catch(show);
};
loadFleet().catch(show);
`;

const dashboardHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    connectSrc: ["'self'"],
    imgSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
});

export const dashboardRoutes = new Hono<AppEnv>()
  .use("/", dashboardHeaders)
  .use("/dashboard.js", dashboardHeaders)
  .use("/dashboard.css", dashboardHeaders)
  .get("/", (c) => c.html(PAGE))
  .get("/dashboard.js", (c) => c.body(SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }))
  .get("/dashboard.css", (c) => c.body(STYLES, 200, { "content-type": "text/css; charset=utf-8" }));
