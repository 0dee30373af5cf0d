/**
 * The dashboard's one script (served as /dashboard/dashboard.js; CSP allows only same-origin files):
 * the time control's slider, the Copy buttons, and the charts, drawn with uPlot from each chart's data- attribute.
 * It writes text with textContent only: nothing from a cluster ever becomes markup.
 */
export const DASHBOARD_SCRIPT = `"use strict";
(function () {
  var DAY_MS = 86400000;
  var slider = document.getElementById("daysAgo");
  var field = document.getElementById("asOf");
  var shown = document.getElementById("daysAgoValue");
  if (slider && field && shown) {
    var now = Date.parse(slider.getAttribute("data-now"));
    var follow = function () {
      var days = Number(slider.value);
      shown.textContent = days === 0 ? "today" : days + " d ago";
      field.value = new Date(now - days * DAY_MS).toISOString().slice(0, 16);
    };
    var submit = function () {
      follow();
      if (Number(slider.value) === 0) field.value = "";
      field.form.requestSubmit();
    };
    slider.addEventListener("input", follow);
    // A pointer's release moves the whole view (one gesture); keys step the field and Enter moves it.
    slider.addEventListener("pointerup", submit);
    slider.addEventListener("keydown", function (event) {
      if (event.key === "Enter") submit();
    });
  }
  // Copy buttons ([data-copy] names the block): the clipboard API, else the block selected for Ctrl+C.
  var copies = document.querySelectorAll("[data-copy]");
  for (var c = 0; c < copies.length; c++) {
    (function (button) {
      var block = document.getElementById(button.getAttribute("data-copy"));
      if (!block) return;
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(block);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
        button.textContent = copied ? "Copied" : "Selected: press Ctrl+C";
      };
      button.hidden = false;
      button.addEventListener("click", function () {
        if (!navigator.clipboard || !window.isSecureContext) return select();
        navigator.clipboard.writeText(block.textContent).then(function () { button.textContent = "Copied"; }, select);
      });
    })(copies[c]);
  }
  var palette = ["#0b57d0", "#b3261e", "#17692f", "#8a5300"];
  // Own dashes per series (never offsets: they would misstate values); markers where series coincide.
  var dashes = [[], [8, 4], [2, 3], [10, 3, 2, 3]];
  var charts = document.querySelectorAll("[data-chart]");
  for (var i = 0; i < charts.length; i++) {
    var el = charts[i];
    var chart = JSON.parse(el.getAttribute("data-chart"));
    if (typeof uPlot !== "function" || chart.x.length === 0) continue;
    var series = [{ label: "time (UTC)" }];
    for (var k = 0; k < chart.series.length; k++) {
      var s = chart.series[k];
      series.push({ label: s.label, stroke: palette[k % palette.length], width: 2, dash: dashes[k % dashes.length], spanGaps: false, points: s.markers ? { show: true, size: 4 + 3 * k, fill: "transparent" } : {} });
    }
    var data = [chart.x].concat(chart.series.map(function (s) { return s.values; }));
    var width = Math.max(320, Math.min(el.clientWidth || 900, 1280));
    // Events: a dashed vertical line each, numbered as the list under the chart.
    var marks = function (events) {
      return { hooks: { draw: function (u) {
        var ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#777";
        ctx.fillStyle = "#444";
        ctx.setLineDash([3, 3]);
        ctx.font = 10 * devicePixelRatio + "px sans-serif";
        for (var e = 0; e < events.length; e++) {
          var px = u.valToPos(events[e].x, "x", true);
          if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(px, u.bbox.top);
          ctx.lineTo(px, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.fillText(String(e + 1), px + 2, u.bbox.top + 10 * devicePixelRatio);
        }
        ctx.restore();
      } } };
    };
    new uPlot({ width: width, height: 240, plugins: [marks(chart.events || [])], tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); }, series: series, scales: { x: { time: true } } }, data, el);
    el.setAttribute("data-drawn-points", String(chart.x.length));
  }
})();
`;
