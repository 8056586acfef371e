/* The launch page's impact preview: posts the form as it stands to /actions/preview (nothing is written)
   and shows per channel who is reached, quiet hours, alert fatigue, overlap, SMS cost and duration.
   Its words come translated from the template (data-texts), with {placeholders}. */
(function () {
  "use strict";
  var form = document.getElementById("launch-form");
  var box = document.getElementById("impact");
  if (!form || !box) return;
  var url = box.getAttribute("data-preview-url");
  var texts = JSON.parse(box.getAttribute("data-texts"));
  var locale = box.getAttribute("data-locale") === "en" ? "en-GB" : "nl-NL";
  var state = document.getElementById("impact-state");
  var table = document.getElementById("impact-table");

  function say(key, values) {
    return texts[key].replace(/\{(\w+)\}/g, function (_, name) { return values && name in values ? values[name] : ""; });
  }

  function duration(seconds) {
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    if (minutes < 60) return minutes + " min" + (rest ? " " + rest + " s" : "");
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function note(className, flag, text) {
    var p = document.createElement("p");
    p.className = className;
    p.setAttribute("data-flag", flag);
    p.textContent = text;
    document.getElementById("impact-flags").appendChild(p);
  }

  function show(impact) {
    document.getElementById("impact-flags").innerHTML = "";
    impact.flags.forEach(function (f) {
      note("flash flash-error", f.flag, texts[f.flag] ? say(f.flag, f) : f.detail);
    });
    if (impact.needs_approval) note("flash flash-info", "needs_approval", say("needs_approval"));
    if (impact.exercise) note("flash flash-info", "exercise", say("exercise"));
    var few = impact.participants === null;
    table.hidden = few;
    if (few) {
      state.textContent = say("few", { n: impact.fewer_than });
    } else {
      state.textContent = say("people", { n: impact.participants });
      Object.keys(impact.channels).forEach(function (channel) {
        Object.keys(impact.channels[channel]).forEach(function (key) {
          var cell = table.querySelector('[data-impact="' + channel + "-" + key + '"]');
          if (cell) cell.textContent = impact.channels[channel][key];
        });
      });
    }
    var first = impact.quiet_hours_first_end;
    document.getElementById("impact-quiet").textContent = impact.quiet_hours_handling === "sent_now" ? say("sent_now")
      : first ? say("held_first", { time: new Date(first).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" }) })
      : say("held");
    var sms = impact.sms;
    document.getElementById("impact-sms").textContent = few ? say("sms", sms.segments) : say("sms_cost", {
      nl: sms.segments.nl, en: sms.segments.en, messages: sms.messages,
      cost: sms.cost_eur.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) });
    document.getElementById("impact-duration").textContent = few ? "" : say("duration", {
      all: duration(impact.duration_s.all), voice: duration(impact.duration_s.voice), sms: duration(impact.duration_s.sms),
      channels: impact.limits.channels, cps: impact.limits.calls_per_second, trunk: impact.limits.trunk });
  }

  var seq = 0;
  function previewNow() {
    var mine = ++seq;
    var data = new FormData(form);
    data.delete("photos");
    state.textContent = say("computing");
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (mine !== seq) return;
        if (!res.ok) { state.textContent = say("not_yet", res.body); table.hidden = true; return; }
        show(res.body);
      })
      .catch(function () { state.textContent = say("offline"); });
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(previewNow, 700); }
  document.getElementById("impact-button").addEventListener("click", previewNow);
  form.addEventListener("change", later);
  form.addEventListener("input", later);
})();
