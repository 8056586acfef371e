/* The launch page: keeps map, centre, radius, the live reach count and the SMS preview in step. */
(function () {
  "use strict";
  var form = document.getElementById("launch-form");
  var lat = form.elements.lat, lon = form.elements.lon, radius = form.elements.radius_m;
  var areaType = form.elements.area_type, polygonInput = form.elements.polygon;
  var counts = document.getElementById("counts");
  var estimateUrl = form.getAttribute("data-estimate-url");
  var previewUrl = form.getAttribute("data-preview-url");

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  var estimateSeq = 0;
  function estimateNow() {
    var seq = ++estimateSeq;
    counts.classList.add("stale");
    var query = "?lat=" + encodeURIComponent(lat.value) + "&lon=" + encodeURIComponent(lon.value) +
      "&radius_m=" + encodeURIComponent(radius.value);
    if (editor.drawing()) {
      if (!polygonInput.value) {
        document.getElementById("estimate-error").textContent = UitkijkText.t("estimate.corners");
        return;
      }
      query += "&polygon=" + encodeURIComponent(polygonInput.value);
    } else if (areaType.value !== "circle") {
      return;  // regions and the whole country: counted at launch
    }
    fetch(estimateUrl + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (seq !== estimateSeq) return;  // an older answer arriving late
        var err = document.getElementById("estimate-error");
        if (!res.ok) { err.textContent = res.body.field + ": " + res.body.reason; return; }
        err.textContent = "";
        var few = res.body.participants === null;  // too few to say how many, or where (k-anonymity)
        document.getElementById("count-participants").textContent = few ? UitkijkText.t("estimate.fewer", { count: res.body.fewer_than }) : res.body.participants;
        document.getElementById("count-voice").textContent = few ? "–" : res.body.per_channel.voice;
        document.getElementById("count-sms").textContent = few ? "–" : res.body.per_channel.sms;
        document.getElementById("count-quiet").textContent = few ? "–" : res.body.in_quiet_hours;
        editor.showPoints(res.body.points);
        counts.classList.remove("stale");
      })
      .catch(function () {
        document.getElementById("estimate-error").textContent = UitkijkText.t("estimate.failed");
      });
  }
  var refreshEstimate = debounce(estimateNow, 250);

  // The map and the area fields: the same editor as the follow page's area change.
  var address = form.elements.address, addressNote = document.getElementById("address-note");
  var editor = new UitkijkMap.AreaEditor(form, document.getElementById("map"), {
    onChange: function () {
      refreshEstimate();
      form.dispatchEvent(new Event("change"));  // the impact preview (launch_impact.js) follows the area too
    },
    // The centre moved by hand is no longer the address: the marker is what launches then.
    onCentreMoved: function () {
      if (address.value) { address.value = ""; showAddress("", false); }
    }
  });

  // The address box: the server looks the address up at launch anyway; "Find" shows it on the map first.
  var geocodeUrl = form.getAttribute("data-geocode-url");
  var addressTexts = JSON.parse(form.getAttribute("data-address-texts"));
  function showAddress(text, isError) {
    addressNote.textContent = text;
    addressNote.className = isError ? "field-error" : "small";
    if (isError) { address.setAttribute("aria-invalid", "true"); } else { address.removeAttribute("aria-invalid"); }
  }
  function findAddress() {
    if (!address.value.trim()) { showAddress("", false); return; }
    fetch(geocodeUrl + "?address=" + encodeURIComponent(address.value), {
      credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { showAddress(res.body.reason, true); return; }
        editor.moveCentre(res.body.lat, res.body.lon);
        showAddress(addressTexts.centre.replace("{address}", res.body.label), false);
      })
      .catch(function () { showAddress(addressTexts.offline, true); });
  }
  document.getElementById("address-find").addEventListener("click", findAddress);
  address.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); findAddress(); }  // Enter finds; it does not launch
  });

  var previewSeq = 0;
  function previewNow() {
    var seq = ++previewSeq;
    var box = document.getElementById("sms-preview");
    var message = form.elements.message.value;
    var query = "?message=" + encodeURIComponent(message) +
      "&control_room_id=" + encodeURIComponent(form.elements.control_room_id.value) +
      (form.elements.exercise && form.elements.exercise.checked ? "&exercise=on" : "");
    fetch(previewUrl + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (seq !== previewSeq) return;
        box.innerHTML = "";
        if (body.error) { box.textContent = body.reason; return; }
        body.previews.forEach(function (p) {
          var head = document.createElement("div");
          head.className = "small muted";
          head.textContent = UitkijkText.t("sms.language." + p.language) + " · " +
            UitkijkText.t(p.segments === 1 ? "sms.segment" : "sms.segments", { count: p.segments }) + " · " +
            p.encoding.toUpperCase() + (p.truncated ? " · " + UitkijkText.t("sms.shortened") : "");
          head.setAttribute("data-segments-" + p.language, p.segments);
          var text = document.createElement("div");
          text.className = "sms-preview";
          text.textContent = p.text;
          box.appendChild(head);
          box.appendChild(text);
        });
      });
  }
  var refreshPreview = debounce(previewNow, 300);
  form.elements.message.addEventListener("input", refreshPreview);
  if (form.elements.exercise) form.elements.exercise.addEventListener("change", refreshPreview);
  form.elements.control_room_id.addEventListener("change", function () { filterOperators(); refreshPreview(); });

  // Only the operators of the chosen control room can be chosen.
  function filterOperators() {
    var room = form.elements.control_room_id.value, select = form.elements.operator_id, keep = false;
    Array.prototype.forEach.call(select.options, function (o) {
      var mine = o.getAttribute("data-room") === room;
      o.hidden = !mine;
      o.disabled = !mine;
      if (mine && o.selected) keep = true;
    });
    if (!keep) {
      var first = Array.prototype.find.call(select.options, function (o) { return !o.disabled; });
      if (first) select.value = first.value;
    }
  }

  form.addEventListener("submit", function () {
    form.querySelector("button[type=submit]").disabled = true;
  });

  filterOperators();
  estimateNow();
  if (form.elements.message.value) previewNow();
})();
