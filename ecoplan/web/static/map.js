// ecoplan map: draws the sites of #map-config with the vendored Leaflet (no CDN, no inline
// script). The base map is the configured tile server or the bundled county outlines.
(function () {
  "use strict";
  function start() {
    var el = document.getElementById("map");
    var src = document.getElementById("map-config");
    if (!el || !src || !window.L) { return; }
    var cfg = JSON.parse(src.textContent);
    var map = window.L.map(el, { preferCanvas: false }).setView(cfg.center, cfg.zoom);
    if (cfg.base.kind === "tiles") {
      window.L.tileLayer(cfg.base.url, { subdomains: cfg.base.subdomains, maxZoom: 18,
        attribution: cfg.base.attribution + (cfg.base.approval ? " " + cfg.base.approval : "")
      }).addTo(map);
    } else {
      fetch(cfg.base.url).then(function (r) { return r.json(); }).then(function (geo) {
        window.L.geoJSON(geo, { style: function (f) {
          var home = f.properties && f.properties.name === "交城县";
          return { color: home ? "#37474f" : "#90a4ae", weight: home ? 2 : 1,
                   fillColor: home ? "#eceff1" : "#fafafa", fillOpacity: 0.6 };
        }, onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); }
        }).addTo(map).bringToBack();
      });
    }
    var groups = {}, control = {}, bounds = [];
    cfg.layers.forEach(function (l) {
      groups[l.key] = window.L.layerGroup().addTo(map);
      control[l.name] = groups[l.key];
    });
    cfg.sites.forEach(function (s) {
      if (s.lon === null || s.lat === null || !groups[s.layer]) { return; }
      var m = window.L.circleMarker([s.lat, s.lon], { radius: 9, color: "#263238", weight: 1,
        fillColor: s.colour, fillOpacity: 0.95 });
      m.options.siteCode = s.code;
      var a = document.createElement("a");
      a.textContent = s.name;
      if (s.href) { a.href = s.href; }
      var box = document.createElement("div");
      box.appendChild(a);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(s.state));
      m.bindPopup(box);
      m.bindTooltip(s.name + " — " + s.state);
      m.on("add", function () {
        var path = m.getElement();
        if (path) { path.setAttribute("data-code", s.code); path.setAttribute("class",
          (path.getAttribute("class") || "") + " site-marker site-" + s.layer); }
      });
      m.addTo(groups[s.layer]);
      // the view fits the sites near the configured centre (the county), not the province
      if (Math.abs(s.lat - cfg.center[0]) < 0.5 && Math.abs(s.lon - cfg.center[1]) < 0.7) {
        bounds.push([s.lat, s.lon]);
      }
    });
    window.L.control.layers(null, control, { collapsed: window.innerWidth < 600 }).addTo(map);
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 11 }); }
    document.querySelectorAll("#map-table tbody tr[data-code]").forEach(function (row) {
      row.addEventListener("mouseenter", function () {
        Object.keys(groups).forEach(function (k) {
          groups[k].eachLayer(function (m) {
            if (m.options.siteCode === row.dataset.code) { m.openTooltip(); }
          });
        });
      });
    });
    el.dataset.ready = "1";
  }
  document.addEventListener("DOMContentLoaded", start);
})();
