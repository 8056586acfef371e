/* The dashboard filters: a drawn area is a circle on the map, shown only when chosen. */
(function () {
  "use strict";
  var form = document.getElementById("dashboard-filters");
  var box = document.getElementById("drawn-area");
  var lat = form.elements.lat, lon = form.elements.lon, radius = form.elements.radius_m;
  var map = null;

  function showMap() {
    if (map) { map.map.invalidateSize(); return; }
    map = new UitkijkMap.CircleMap(document.getElementById("area-map"), {
      lat: parseFloat(lat.value), lon: parseFloat(lon.value), radius: parseFloat(radius.value), editable: true,
      onChange: function (la, lo) { lat.value = la.toFixed(6); lon.value = lo.toFixed(6); }
    });
  }

  function update() {
    var drawn = form.elements.area.value === "drawn";
    box.hidden = !drawn;
    [lat, lon, radius].forEach(function (input) { input.disabled = !drawn; });
    if (drawn) showMap();
  }

  Array.prototype.forEach.call(form.elements.area, function (radio) { radio.addEventListener("change", update); });
  radius.addEventListener("input", function () { if (map && radius.value > 0) map.setRadius(parseFloat(radius.value)); });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () { if (map) { map.setCentre(parseFloat(lat.value), parseFloat(lon.value)); map.fit(); } });
  });
  if (form.elements.neighbourhood) {
    form.elements.neighbourhood.addEventListener("change", function () {
      if (form.elements.neighbourhood.value) form.querySelector("input[name=area][value=cbs]").checked = true;
      update();
    });
  }
  form.elements.postcode_area.addEventListener("change", function () {
    if (form.elements.postcode_area.value) form.querySelector("input[name=area][value=postcode]").checked = true;
    update();
  });
  update();
})();
