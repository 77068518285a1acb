// ecoplan web: draws every ECharts block from its JSON option and sends the CSRF token
// with htmx requests. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  var charts = [];
  function draw(root) {
    if (!window.echarts) { return; }
    (root || document).querySelectorAll(".chart[data-option]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var src = document.getElementById(el.dataset.option);
      if (!src) { return; }
      var option = JSON.parse(src.textContent);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      charts.push(chart);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // the navigation's menus: one open at a time, closed by a click elsewhere or Escape
  function closeMenus(except) {
    document.querySelectorAll("header nav details.menu[open]").forEach(function (d) {
      if (d !== except) { d.removeAttribute("open"); }
    });
  }
  document.addEventListener("toggle", function (evt) {
    var d = evt.target;
    if (d.matches && d.matches("header nav details.menu") && d.open) { closeMenus(d); }
  }, true);
  document.addEventListener("click", function (evt) {
    if (!evt.target.closest || !evt.target.closest("header nav details.menu")) { closeMenus(null); }
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") { closeMenus(null); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.addEventListener("htmx:after:swap", function () { draw(document); });
  // the plan selector opens the chosen plan at once (the form's button does it without scripts)
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  document.addEventListener("htmx:config:request", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && evt.detail && evt.detail.ctx && evt.detail.ctx.request) {
      evt.detail.ctx.request.headers["X-CSRF-Token"] = meta.content;
    }
  });
})();
