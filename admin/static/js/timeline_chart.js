/* The follow page's time-to-reach chart: share of each channel's alerts reached against seconds since launch,
   drawn as SVG from the timeline in the status poll (no library). Lines for the first response and the first
   caller put through; a table of the first, 50 %, 95 % and 100 % moments underneath. */
var UitkijkTimeline = (function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 600, H = 230, LEFT = 40, RIGHT = 12, TOP = 10, BOTTOM = 30;
  var CHANNELS = { voice: ["Spraak", "#0b5cab"], sms: ["Sms", "#1f7a3a"], email: ["E-mail", "#8a5a00"] };
  var T = UitkijkText.t;
  var EVENTS = { first_response: [T("timeline.first_response"), "#a4262c"], first_bridged: [T("timeline.first_bridged"), "#6b3fa0"] };

  function node(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function duration(s) {
    if (s === null || s === undefined) return "–";
    if (s < 60) return T("duration.seconds", { seconds: s.toLocaleString(document.documentElement.lang, { maximumFractionDigits: s < 10 ? 1 : 0 }) });
    var m = Math.floor(s / 60);
    return T("duration.minutes", { minutes: m, seconds: Math.round(s - 60 * m) });
  }

  function niceMax(s) {
    var steps = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400];
    for (var i = 0; i < steps.length; i++) if (s <= steps[i]) return steps[i];
    return Math.ceil(s / 86400) * 86400;
  }

  function draw(card, t) {
    if (!card || !t) return;
    var svg = card.querySelector("#timeline-chart");
    while (svg.lastChild && svg.lastChild.tagName !== "title") svg.removeChild(svg.lastChild);
    var channels = Object.keys(CHANNELS).filter(function (c) { return t.channels[c]; });
    var maxS = t.elapsed_s || 1;
    channels.forEach(function (c) {
      (t.channels[c].curve || []).forEach(function (p) { maxS = Math.max(maxS, p.seconds); });
    });
    maxS = niceMax(maxS);
    var x = function (s) { return LEFT + (W - LEFT - RIGHT) * Math.min(s, maxS) / maxS; };
    var y = function (p) { return TOP + (H - TOP - BOTTOM) * (1 - p / 100); };

    [0, 50, 95, 100].forEach(function (p) {
      svg.appendChild(node("line", { x1: LEFT, x2: W - RIGHT, y1: y(p), y2: y(p), stroke: "#d9dee7" }));
      svg.appendChild(node("text", { x: LEFT - 4, y: y(p) + 4, "text-anchor": "end", "font-size": 11, fill: "#5b6475" }, p + "%"));
    });
    [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
      svg.appendChild(node("text", { x: x(f * maxS), y: H - BOTTOM + 16, "text-anchor": "middle", "font-size": 11,
                                     fill: "#5b6475" }, duration(f * maxS)));
    });
    svg.appendChild(node("text", { x: W - RIGHT, y: H - 2, "text-anchor": "end", "font-size": 11, fill: "#5b6475" },
                         T("timeline.axis")));

    Object.keys(EVENTS).forEach(function (name) {
      var e = t.events[name];
      if (!e || e.seconds === null) return;
      var line = node("line", { x1: x(e.seconds), x2: x(e.seconds), y1: TOP, y2: H - BOTTOM, stroke: EVENTS[name][1],
                                "stroke-dasharray": "4 3", "data-event": name });
      line.appendChild(node("title", {}, EVENTS[name][0] + ": " + duration(e.seconds)));
      svg.appendChild(line);
    });

    channels.forEach(function (c, i) {
      var ch = t.channels[c];
      var share = ch.planned ? 100 * ch.reached / ch.planned : 0;
      var points = [[0, 0]];
      if (ch.seconds.first !== null) points.push([ch.seconds.first, 0]);
      ch.curve.forEach(function (p) { points.push([p.seconds, p.percent]); });
      // Between the last 5 % step and now the share is known but not its moment: hold it up to now.
      if (t.status === "active" || share > (ch.curve.length ? ch.curve[ch.curve.length - 1].percent : 0)) {
        points.push([Math.max(t.elapsed_s || 0, points[points.length - 1][0]), share]);
      }
      var line = node("polyline", { fill: "none", stroke: CHANNELS[c][1], "stroke-width": 2.5, "data-channel": c,
                                    "data-reached": ch.reached, "data-points": points.length,
                                    points: points.map(function (p) { return x(p[0]) + "," + y(p[1]); }).join(" ") });
      svg.appendChild(line);
      svg.appendChild(node("text", { x: LEFT + 8 + 110 * i, y: TOP + 12, "font-size": 12, fill: CHANNELS[c][1] },
                           CHANNELS[c][0] + " " + Math.round(share) + "%"));
    });

    var body = card.querySelector("#timeline-table tbody");
    body.innerHTML = "";
    channels.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-channel", c);
      var s = t.channels[c].seconds;
      [CHANNELS[c][0], duration(s.first), duration(s.p50), duration(s.p95), duration(s.p100)].forEach(function (v, i) {
        var td = document.createElement("td");
        if (i) td.className = "num";
        td.textContent = v;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    var e = t.events;
    card.querySelector("#timeline-events").textContent =
      T("timeline.events", { sent: duration(e.first_sent.seconds), response: duration(e.first_response.seconds),
                             call: duration(e.first_call.seconds), sms: duration(e.first_sms_reply.seconds),
                             bridged: duration(e.first_bridged.seconds) });
  }

  return { draw: draw };
})();
