/**
 * The dashboard's stylesheet: served as a file (CSP forbids inline style), sized for a 1366×768 laptop;
 * at 600 px and less (a phone) the header and forms stack and wide tables scroll inside their card.
 */
export const DASHBOARD_STYLES = `*{box-sizing:border-box}
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
a{color:#0b57d0}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #f29900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:2}
header{background:#1d2330;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:16px;align-items:center}
header a{color:#fff}.brand{font-weight:700;font-size:16px}nav{display:flex;flex-wrap:wrap;gap:12px;flex:1}nav a{white-space:nowrap}
nav a[aria-current=page]{text-decoration:underline 3px}
.time-control{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center;padding:6px 16px;background:#e8ecf2;border-bottom:1px solid #d0d6df}
.time-state{font-weight:600;min-width:16em}#daysAgo{width:180px}
main{padding:8px 16px 24px;max-width:1340px}h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:4px 0 8px}
section,figure.chart{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px 14px;margin:0 0 12px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eef0f3;vertical-align:top}
thead th{font-weight:600;color:#4a5563}.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#68717d}.label{display:inline-block;background:#eef0f3;border-radius:3px;padding:0 4px;margin:0 4px 2px 0;font-size:12px}
.status{display:inline-block;border-radius:3px;padding:0 5px;font-weight:600;font-size:12px}
.status-none{background:#fde7e9;color:#a50e0e}.status-low{background:#fef3d6;color:#8a5300}.status-ok{background:#e3f4e8;color:#17692f}
/* the planner's manifest block; then narrow screens (form.inline-form outranks the .inline-form below) */
.copy-head{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center}.copy-head h3{margin:10px 0 6px}
pre.manifest{white-space:pre;overflow-x:auto;max-height:30em;margin:0 0 8px;padding:8px 10px;background:#f6f7f9;border:1px solid #dde1e7;border-radius:4px;font:12px/1.45 ui-monospace,monospace}
@media (max-width:600px){header{padding:6px 12px;gap:4px 14px}nav{order:3;flex-basis:100%;gap:4px 14px}.session{margin-left:auto}
.time-control{padding:6px 12px}.time-state{min-width:0;flex-basis:100%}#asOf,#daysAgo{flex:1 1 9em;min-width:0;width:auto}
main{padding:8px 8px 16px}section,figure.chart{padding:8px 10px}figure.chart{overflow-x:auto}th,td{padding:3px 4px}td.num{white-space:nowrap}.scroll>table:not(.grid) :is(td,th){min-width:5em}.scroll>table:not(.grid) tr>:first-child{white-space:nowrap}code{overflow-wrap:anywhere}
form.inline-form{display:grid;gap:2px}.inline-form input,.inline-form select{width:100%}.inline-form button{justify-self:start;margin-top:6px}}
.notice{padding:6px 10px;border-radius:4px;background:#eef3fd}.notice-error{background:#fde7e9;color:#a50e0e}
.scroll{overflow-x:auto}.grid td,.grid th{white-space:nowrap}.grid .wrap{white-space:normal;max-width:13em;font-size:12px}
.grid .pending{white-space:normal;max-width:11em;font-size:12px;overflow-wrap:anywhere}
.grid th.node{vertical-align:bottom;height:110px;padding:2px}.grid th.node span{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500}
.cell-held{background:#dbe6fb;font-size:11px;max-width:5.5em;overflow:hidden;text-overflow:ellipsis}
.cell-free{background:#e3f4e8;color:#17692f;font-size:12px}.cell-declared{background:#fff4d6;color:#7a5200;font-size:12px;font-style:italic}.declared{color:#7a5200}.cell-none{color:#9aa2ad;text-align:center}
.obs{display:inline-block;border-radius:3px;padding:0 3px;font-size:11px;font-style:normal;max-width:7em;overflow:hidden;text-overflow:ellipsis;vertical-align:bottom}
.obs-declared{border:1px dashed #6b7a90;color:#4a5563}.obs-undeclared{border:1px dashed #8a5300;color:#8a5300;background:#fffaf0}
.obs-risk{background:#a50e0e;color:#fff;font-weight:700}.cell-risk{outline:2px solid #a50e0e;outline-offset:-2px}
.cell-observed{background:#fbf6ea}.status-observed{background:#f1ecfb;color:#4b2a8c}
.cell-unobserved{background:repeating-linear-gradient(135deg,#f6f7f9 0 4px,#e6e9ee 4px 8px);color:#68717d}
.unobs{display:inline-block;font-size:10px;color:#68717d;border:1px solid #c5cbd4;border-radius:3px;padding:0 2px}
.legend h3{font-size:13px;margin:10px 0 4px}.legend dl{display:grid;grid-template-columns:max-content 1fr;gap:3px 10px;margin:0;font-size:12px}
.legend dt{text-align:center}.legend dd{margin:0;color:#4a5563}.legend dt>span{display:inline-block;padding:0 4px}
.message{margin:4px 0;padding:4px 8px;border-left:3px solid #d0d6df;color:#4a5563;white-space:pre-wrap;overflow-wrap:anywhere}
.conflicts>li{margin-bottom:8px}
.inline-form{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center;margin:0 0 12px}
button,input,select{font:inherit;padding:3px 8px}
.chart-canvas{min-height:240px}figcaption{font-weight:600;margin-bottom:6px}
/* port grid */
.cell-static{background:#e6e0f5}
.grid th.node .node-state{display:block;writing-mode:horizontal-tb;transform:none;font-size:10px;font-weight:600;color:#8a5300;background:#fef3d6;border-radius:3px;padding:0 2px;margin-top:2px}
.row-kind{color:#1d4f91;font-weight:600}.grid-sample{font-weight:600;color:#4a5563}
.legend h4{font-size:12px;margin:8px 0 3px;color:#4a5563}
.grid td.pending{min-width:9em}
/* charts */
.chart-events{font-size:12px;margin:6px 0 0;padding-left:24px;color:#444;overflow-wrap:anywhere}
`;
