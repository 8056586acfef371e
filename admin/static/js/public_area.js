/* The public page's map: the alert's circle or polygons, read-only. Works without tiles. */
(function () {
  "use strict";
  var element = document.getElementById("area-map");
  if (!element) return;
  var area = JSON.parse(element.getAttribute("data-area"));
  var map = L.map(element, { attributionControl: false, scrollWheelZoom: false }).setView([52.2, 5.3], 7);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  var style = { color: "#a4262c", weight: 2, fillOpacity: 0.15 };
  var shape = null;
  if (area.type === "circle") {
    shape = L.circle([area.lat, area.lon], Object.assign({ radius: area.radius_m }, style));
  } else if (area.polygons) {
    shape = L.polygon(area.polygons, style);
  }
  if (shape) { shape.addTo(map); map.fitBounds(shape.getBounds(), { padding: [20, 20] }); }
})();
