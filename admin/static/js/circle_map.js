/* A Leaflet map with one circle: a draggable centre marker and a radius, plus anonymous points.
 * Works without internet access: the tile layer is optional (data-tiles on the element); without
 * it, the circle and points draw on a plain background with a scale bar and a coarse grid. */
(function (global) {
  "use strict";

  function grid(map) {
    // Lines every 0.01 degree (about 1 km): orientation when no tiles are shown.
    var layer = L.layerGroup().addTo(map);
    function draw() {
      layer.clearLayers();
      var b = map.getBounds(), step = map.getZoom() >= 13 ? 0.01 : map.getZoom() >= 10 ? 0.1 : 1;
      var style = { color: "#9fb0c4", weight: 1, opacity: 0.5, interactive: false };
      for (var lat = Math.floor(b.getSouth() / step) * step; lat <= b.getNorth(); lat += step) {
        L.polyline([[lat, b.getWest()], [lat, b.getEast()]], style).addTo(layer);
      }
      for (var lon = Math.floor(b.getWest() / step) * step; lon <= b.getEast(); lon += step) {
        L.polyline([[b.getSouth(), lon], [b.getNorth(), lon]], style).addTo(layer);
      }
    }
    map.on("moveend zoomend", draw);
    draw();
  }

  /* options: lat, lon, radius (metres), editable (bool), onChange(lat, lon, radius) */
  function CircleMap(element, options) {
    this.options = options;
    var map = this.map = L.map(element, { zoomControl: true, attributionControl: false })
      .setView([options.lat, options.lon], 13);  // a view first: a circle measures itself in map pixels
    var tiles = element.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    } else {
      grid(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    var centre = [options.lat, options.lon];
    this.circle = L.circle(centre, { radius: options.radius, color: "#0b5cab", weight: 2, fillOpacity: 0.12 }).addTo(map);
    this.points = L.layerGroup().addTo(map);
    this.marker = L.marker(centre, { draggable: !!options.editable, title: UitkijkText.t("map.centre"), autoPan: true }).addTo(map);
    map.fitBounds(this.circle.getBounds(), { padding: [30, 30], animate: false });
    var self = this;
    if (options.editable) {
      this.marker.on("drag", function (e) { self.circle.setLatLng(e.target.getLatLng()); });
      this.marker.on("dragend", function () { self.changed(); });
      map.on("click", function (e) {
        if (options.onClick && options.onClick(e.latlng)) return;  // e.g. a polygon vertex, not a new centre
        self.setCentre(e.latlng.lat, e.latlng.lng);
        self.changed();
      });
    }
  }

  CircleMap.prototype.changed = function () {
    if (this.options.onChange) {
      var c = this.marker.getLatLng();
      this.options.onChange(c.lat, c.lng, this.circle.getRadius());
    }
  };
  CircleMap.prototype.setCentre = function (lat, lon) {
    this.marker.setLatLng([lat, lon]);
    this.circle.setLatLng([lat, lon]);
  };
  CircleMap.prototype.showCircle = function (visible) {
    this.circle.setStyle(visible ? { opacity: 1, fillOpacity: 0.12 } : { opacity: 0, fillOpacity: 0 });
  };
  CircleMap.prototype.setRadius = function (radius) {
    this.circle.setRadius(radius);
  };
  CircleMap.prototype.fit = function () {
    this.map.fitBounds(this.circle.getBounds(), { padding: [30, 30] });
  };
  CircleMap.prototype.showPoints = function (points) {
    this.points.clearLayers();
    for (var i = 0; i < points.length; i++) {
      L.circleMarker(points[i], { radius: 4, color: "#a4262c", weight: 1, fillOpacity: 0.7, interactive: false })
        .addTo(this.points);
    }
  };

  /* Drawing a polygon by clicking its corners on a CircleMap (the launch page, neighbourhood mail).
     The polygon travels in `input` as GeoJSON ([lon, lat], closed), as the API takes it; `countEl`
     shows the number of corners; onChange runs after every change. */
  function PolygonDrawer(circleMap, input, countEl, onChange) {
    this.vertices = [];
    this.input = input;
    this.countEl = countEl;
    this.onChange = onChange || function () {};
    this.layer = L.polygon([], { color: "#a4262c", weight: 2, fillOpacity: 0.12 }).addTo(circleMap.map);
  }
  PolygonDrawer.prototype.add = function (latlng) {
    this.vertices.push([latlng.lat, latlng.lng]);
    this.changed();
  };
  PolygonDrawer.prototype.clear = function () {
    this.vertices = [];
    this.changed();
  };
  PolygonDrawer.prototype.changed = function () {
    this.layer.setLatLngs(this.vertices);
    this.countEl.textContent = this.vertices.length;
    if (this.vertices.length >= 3) {
      var ring = this.vertices.map(function (v) { return [+v[1].toFixed(6), +v[0].toFixed(6)]; });
      ring.push(ring[0]);
      this.input.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    } else {
      this.input.value = "";
    }
    this.onChange();
  };

  global.UitkijkMap = { CircleMap: CircleMap, PolygonDrawer: PolygonDrawer };
})(window);
