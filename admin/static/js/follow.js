/* The follow page: polls the action's status every two seconds and redraws progress, calls and tips. */
(function () {
  "use strict";
  var root = document.getElementById("follow");
  var statusUrl = root.getAttribute("data-status-url");
  var POLL_MS = 2000;
  var T = UitkijkText.t;
  var CHANNELS = { voice: T("channel.voice"), sms: T("channel.sms"), email: T("channel.email") };
  var PURPOSES = { alert: T("purpose.alert"), closing: T("purpose.closing") };
  var knownRecordings = {};

  var mapElement = document.getElementById("map");
  if (mapElement) {
    new UitkijkMap.CircleMap(mapElement, {
      lat: parseFloat(mapElement.getAttribute("data-lat")), lon: parseFloat(mapElement.getAttribute("data-lon")),
      radius: parseFloat(mapElement.getAttribute("data-radius")), editable: false
    });
  }

  // Changing the area after launch: drawn on a map as at launch.
  var areaMap = document.getElementById("area-map");
  if (areaMap) {
    new UitkijkMap.AreaEditor(document.getElementById("area-form"), areaMap,
                              { vertices: JSON.parse(areaMap.getAttribute("data-vertices") || "[]") });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function bar(row) {
    var wrap = el("div", "progress-bar");
    ["reached", "pending", "not_reached"].forEach(function (part) {
      if (!row.total || !row[part]) return;
      var span = el("span", part);
      span.style.width = (100 * row[part] / row.total) + "%";
      wrap.appendChild(span);
    });
    return wrap;
  }

  var OUTCOMES = ["person", "voicemail", "busy", "no_answer", "failed", "calling"];

  // How the calls went, per purpose: one row per outcome with its count and a bar of its share.
  function drawVoice(voice) {
    var card = document.getElementById("voice-card"), box = document.getElementById("voice-outcomes");
    box.innerHTML = "";
    var any = false;
    Object.keys(PURPOSES).forEach(function (purpose) {
      var row = voice[purpose];
      if (!row) return;
      any = true;
      var total = OUTCOMES.reduce(function (sum, key) { return sum + row[key]; }, 0);
      var table = el("table", "voice-outcomes");
      table.setAttribute("data-purpose", purpose);
      table.appendChild(el("caption", null, PURPOSES[purpose]));
      OUTCOMES.forEach(function (key) {
        var tr = el("tr");
        tr.setAttribute("data-outcome", key);
        tr.appendChild(el("th", null, T("voice." + key)));
        tr.appendChild(el("td", "num", String(row[key])));
        var share = el("div", "progress-bar"), part = el("span", key === "person" ? "reached" : key === "calling" ? "pending" : "not_reached");
        part.style.width = (total ? 100 * row[key] / total : 0) + "%";
        share.appendChild(part);
        var cell = el("td");
        cell.appendChild(share);
        tr.appendChild(cell);
        var notes = [];
        if (key === "person" && row.person) {
          notes.push(T("voice.listened", { seconds: Math.round(row.listened_s / row.person) }));
          Object.keys(row.keys).sort().forEach(function (k) { notes.push(T("voice.key", { key: k, count: row.keys[k] })); });
        }
        tr.appendChild(el("td", "small muted", notes.join(" · ")));
        table.appendChild(tr);
      });
      box.appendChild(table);
      var verdicts = Object.keys(row.amd).sort().map(function (k) { return T("amd." + k) + " " + row.amd[k]; });
      if (verdicts.length) box.appendChild(el("p", "small muted amd", T("voice.amd", { verdicts: verdicts.join(" · ") })));
    });
    card.hidden = !any;
  }

  function drawProgress(summary) {
    var body = document.querySelector("#progress tbody");
    body.innerHTML = "";
    var any = false;
    Object.keys(CHANNELS).forEach(function (channel) {
      var purposes = summary[channel] || {};
      Object.keys(PURPOSES).forEach(function (purpose) {
        var row = purposes[purpose];
        if (!row) return;
        any = true;
        var tr = el("tr");
        tr.setAttribute("data-channel", channel);
        tr.setAttribute("data-purpose", purpose);
        tr.appendChild(el("td", null, CHANNELS[channel]));
        tr.appendChild(el("td", null, PURPOSES[purpose]));
        ["total", "reached", "pending", "not_reached"].forEach(function (key) {
          var td = el("td", "num " + key, String(row[key]));
          tr.appendChild(td);
        });
        var cell = el("td");
        cell.appendChild(bar(row));
        tr.appendChild(cell);
        body.appendChild(tr);
      });
    });
    if (!any) {
      var tr = el("tr"), td = el("td", "muted", T("progress.nobody"));
      td.colSpan = 7;
      tr.appendChild(td);
      body.appendChild(tr);
    }
  }

  function drawCalls(calls) {
    var list = document.getElementById("calls");
    document.getElementById("calls-count").textContent = calls.length;
    list.innerHTML = "";
    if (!calls.length) { list.appendChild(el("li", "muted", T("calls.none"))); return; }
    calls.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("strong", null, time(c.started_at) + " · " + c.caller + " "));
      li.appendChild(el("span", "badge " + (c.alerted ? "ok" : ""), c.alerted ? T("calls.alerted") : T("calls.not_alerted")));
      var detail = c.connected ? T("calls.put_through", { operator: c.operator || T("calls.the_room") }) : (c.outcome || T("calls.in_progress"));
      if (c.talk_s) detail += " · " + Math.round(c.talk_s) + " s";
      li.appendChild(el("div", "small muted", detail));
      list.appendChild(li);
    });
  }

  function drawTips(tips) {
    var list = document.getElementById("tips");
    document.getElementById("tips-count").textContent = tips.length;
    if (!tips.length) { list.innerHTML = ""; list.appendChild(el("li", "muted", T("tips.none"))); return; }
    // Keep existing items (and their audio players, which may be playing) and add new ones on top.
    var empty = list.querySelector("li.muted");
    if (empty) list.removeChild(empty);
    tips.slice().reverse().forEach(function (t) {
      if (knownRecordings[t.id]) return;
      // A recording still being fetched is drawn again, with its player, once it is here.
      var fetching = list.querySelector('li[data-tip="' + t.id + '"]');
      if (fetching && t.recording_pending) return;
      if (!t.recording_pending) knownRecordings[t.id] = true;
      var li = el("li");
      li.setAttribute("data-tip", t.id);
      li.appendChild(el("strong", null, time(t.created_at) + " · " + (t.source === "sms" ? T("channel.sms") : T("tips.voice")) + " · " + t.from));
      if (t.text) li.appendChild(el("div", null, t.text));
      if (t.recording_url) {
        var audio = el("audio");
        audio.controls = true;
        audio.preload = "none";
        audio.src = t.recording_url;
        li.appendChild(audio);
        if (t.duration_s) li.appendChild(el("div", "small muted", T("tips.recording", { seconds: Math.round(t.duration_s) })));
      } else if (t.recording_pending) {
        li.appendChild(el("div", "small muted", T("tips.fetching")));
      }
      if (fetching) list.replaceChild(li, fetching);
      else list.insertBefore(li, list.firstChild);
    });
  }

  // Expanding rings: the ring the action is at, when the next one comes, and the "widen now" button.
  function drawRings(rings) {
    var card = document.getElementById("rings-card");
    if (!card || !rings) return;
    var lang = document.documentElement.lang;
    var metres = function (m) { return m.toLocaleString(lang); };
    card.querySelector("#rings-current strong").textContent =
      T("rings.current", { ring: rings.ring, rings: rings.rings, metres: metres(rings.radius_m) });
    var next = rings.next_at
      ? T("rings.next", { metres: metres(rings.wider_m), time: new Date(rings.next_at).toLocaleTimeString(lang,
          { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Amsterdam" }) })
      : T("rings." + rings.stopped);
    document.getElementById("rings-next").textContent = next;
    var form = document.getElementById("widen-form");
    form.hidden = !rings.wider_m;
    if (rings.wider_m) document.getElementById("widen-button").textContent = T("rings.widen", { metres: metres(rings.wider_m) });
  }

  var wasActive = root.querySelector(".status-banner.active") !== null;

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.redirected) throw new Error("signed out");
        return r.json();
      })
      .then(function (data) {
        drawProgress(data.summary);
        drawVoice(data.voice);
        drawCalls(data.calls);
        drawTips(data.tips);
        UitkijkTimeline.draw(document.getElementById("timeline-card"), data.timeline);
        drawRings(data.rings);
        document.getElementById("live-state").textContent = T("live.updated", { time: new Date().toLocaleTimeString(document.documentElement.lang) });
        if (wasActive && data.status === "ended") {
          // Someone else ended it: show the ended state and result.
          window.location.reload();
          return;
        }
        setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        document.getElementById("live-state").textContent = T("live.lost");
        setTimeout(poll, POLL_MS * 2);
      });
  }
  poll();
})();
