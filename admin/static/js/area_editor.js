/* Choosing an action's area on a map, the same at launch and when the area changes after launch:
 * a circle (drag the marker or click the map to move the centre; radius field and optional slider)
 * or a polygon (click its corners; the marker stays the point from which the nearest are alerted first),
 * or regions / the whole country (no drawing); the corners are drawn by circle_map.js's PolygonDrawer.
 * The form's own fields are what the server reads: area_type, lat, lon, radius_m and polygon
 * (GeoJSON, [lon, lat], closed, as the API takes it).
 * The parts it shows and hides are marked data-area="circle|polygon|regions", the corner count
 * data-area="vertex-count", the redraw button data-area="clear", the radius slider data-area="slider". */
(function (global) {
  "use strict";

  /* options: onChange() after every change of the area; onCentreMoved() when the person moves the centre
   * (marker, map click, typed coordinates); vertices: [[lat, lon], ...] to start from */
  function AreaEditor(form, mapElement, options) {
    options = options || {};
    var self = this;
    this.form = form;
    this.onChange = options.onChange || function () {};
    var lat = form.elements.lat, lon = form.elements.lon, radius = form.elements.radius_m;
    this.areaType = form.elements.area_type;
    this.part = function (name) { return form.querySelector('[data-area="' + name + '"]'); };
    var slider = this.part("slider");

    var drawer = null;
    this.map = new global.UitkijkMap.CircleMap(mapElement, {
      lat: parseFloat(lat.value), lon: parseFloat(lon.value), radius: parseFloat(radius.value), editable: true,
      onChange: function (la, lo) {
        lat.value = la.toFixed(6);
        lon.value = lo.toFixed(6);
        if (options.onCentreMoved) options.onCentreMoved();
        self.onChange();
      },
      onClick: function (latlng) {
        if (!self.drawing()) return false;
        drawer.add(latlng);
        return true;
      }
    });
    drawer = this.drawer = new global.UitkijkMap.PolygonDrawer(this.map, form.elements.polygon,
                                                               this.part("vertex-count"), function () { self.onChange(); });

    var clear = this.part("clear");
    if (clear) clear.addEventListener("click", function () { drawer.clear(); });
    this.areaType.addEventListener("change", function () { self.typeChanged(); });

    function setRadius(value, from) {
      var r = Math.max(1, Math.min(parseFloat(radius.max), parseFloat(value) || 0));
      if (from !== radius) radius.value = Math.round(r);
      if (slider && from !== slider) slider.value = Math.min(r, parseFloat(slider.max));
      self.map.setRadius(r);
      self.onChange();
    }
    radius.addEventListener("input", function () { setRadius(radius.value, radius); });
    radius.addEventListener("change", function () { self.map.fit(); });
    if (slider) {
      slider.addEventListener("input", function () { setRadius(slider.value, slider); });
      slider.addEventListener("change", function () { self.map.fit(); });
    }
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var la = parseFloat(lat.value), lo = parseFloat(lon.value);
        if (isFinite(la) && isFinite(lo)) {
          self.map.setCentre(la, lo);
          self.map.fit();
          if (options.onCentreMoved) options.onCentreMoved();
          self.onChange();
        }
      });
    });
    drawer.vertices = (options.vertices || []).slice();  // the area as it is, to edit further
    if (drawer.vertices.length) drawer.changed();
    this.typeChanged();
  }

  AreaEditor.prototype.drawing = function () { return this.areaType.value === "polygon"; };

  AreaEditor.prototype.typeChanged = function () {
    var type = this.areaType.value, self = this;
    this.map.showCircle(type === "circle");
    this.drawer.layer.setStyle(type === "polygon" ? { opacity: 1, fillOpacity: 0.12 } : { opacity: 0, fillOpacity: 0 });
    ["circle", "polygon", "regions"].forEach(function (name) {
      var part = self.part(name);
      if (part) part.hidden = type !== name;
    });
    this.form.elements.radius_m.required = type === "circle";
    this.onChange();
  };

  AreaEditor.prototype.showPoints = function (points) { this.map.showPoints(points); };

  /* Put the centre at a point found elsewhere (an address looked up), as if the person had moved it. */
  AreaEditor.prototype.moveCentre = function (la, lo) {
    this.form.elements.lat.value = la.toFixed(6);
    this.form.elements.lon.value = lo.toFixed(6);
    this.map.setCentre(la, lo);
    this.map.fit();
    this.onChange();
  };

  global.UitkijkMap.AreaEditor = AreaEditor;
})(window);
