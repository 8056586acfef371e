/* Neighbourhood mail's compose page: the drawn-polygon area, with the launch page's map and drawing. */
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  var areaType = form.elements.area_type, input = form.elements.polygon;
  var fieldset = document.getElementById("area-polygon"), element = document.getElementById("map");
  var map = null, drawer = null;

  function start() {
    map = new UitkijkMap.CircleMap(element, {
      lat: parseFloat(element.getAttribute("data-lat")), lon: parseFloat(element.getAttribute("data-lon")),
      radius: 500, editable: true,
      onClick: function (latlng) { drawer.add(latlng); return true; }
    });
    map.showCircle(false);
    drawer = new UitkijkMap.PolygonDrawer(map, input, document.getElementById("vertex-count"));
    // After a preview the drawn polygon comes back in the form: draw it again.
    if (input.value) {
      try {
        var ring = JSON.parse(input.value).coordinates[0].slice(0, -1);
        ring.forEach(function (p) { drawer.vertices.push([p[1], p[0]]); });
        drawer.changed();
        map.map.fitBounds(drawer.layer.getBounds(), { padding: [30, 30], animate: false });
      } catch (e) { input.value = ""; }
    }
    document.getElementById("polygon-clear").addEventListener("click", function () { drawer.clear(); });
  }

  function areaTypeChanged() {
    fieldset.hidden = areaType.value !== "polygon";
    if (fieldset.hidden) return;
    if (!map) start();
    map.map.invalidateSize();  // the map was laid out while hidden
  }
  areaType.addEventListener("change", areaTypeChanged);
  areaTypeChanged();
})();
