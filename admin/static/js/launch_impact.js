/* The launch page's impact preview: posts the form as it stands to /actions/preview (nothing is written)
   and shows per channel who is reached, quiet hours, alert fatigue, overlap, SMS cost and duration. */
(function () {
  "use strict";
  var form = document.getElementById("launch-form");
  var box = document.getElementById("impact");
  if (!form || !box) return;
  var url = box.getAttribute("data-preview-url");
  var state = document.getElementById("impact-state");
  var table = document.getElementById("impact-table");
  var FLAGS = {
    large: function (f) { return "Groot: " + f.value + " deelnemers, meer dan " + f.limit + "."; },
    unusual_radius: function (f) { return "Ongebruikelijk grote straal: " + f.value + " m, meer dan " + f.factor +
      " keer de gebruikelijke " + f.limit + " m voor deze soort actie."; },
    national: function () { return "Landelijk: heel Nederland."; },
    regional: function (f) { return "Regionaal: " + f.detail + "."; }
  };

  function duration(seconds) {
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    if (minutes < 60) return minutes + " min" + (rest ? " " + rest + " s" : "");
    return Math.floor(minutes / 60) + " u " + (minutes % 60) + " min";
  }

  function show(impact) {
    var flags = document.getElementById("impact-flags");
    flags.innerHTML = "";
    impact.flags.forEach(function (f) {
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.setAttribute("data-flag", f.flag);
      p.textContent = FLAGS[f.flag] ? FLAGS[f.flag](f) : f.detail;
      flags.appendChild(p);
    });
    if (impact.needs_approval) {
      var p = document.createElement("p");
      p.className = "flash flash-info";
      p.setAttribute("data-flag", "needs_approval");
      p.textContent = "Vier ogen: een tweede bevoegde moet deze lancering goedkeuren voordat er iets verstuurd wordt.";
      flags.appendChild(p);
    }
    var few = impact.participants === null;
    table.hidden = few;
    if (few) {
      state.textContent = "Minder dan " + impact.fewer_than + " deelnemers in het gebied.";
    } else {
      state.textContent = impact.participants + " deelnemers.";
      Object.keys(impact.channels).forEach(function (channel) {
        Object.keys(impact.channels[channel]).forEach(function (key) {
          var cell = table.querySelector('[data-impact="' + channel + "-" + key + '"]');
          if (cell) cell.textContent = impact.channels[channel][key];
        });
      });
    }
    document.getElementById("impact-quiet").textContent = impact.quiet_hours_handling === "sent_now"
      ? "Urgent: wie in de stille uren is, wordt meteen gealarmeerd."
      : "Niet urgent: wie in de stille uren is, krijgt de alarmering pas daarna" +
        (impact.quiet_hours_first_end ? " (de eerste om " + new Date(impact.quiet_hours_first_end).toLocaleTimeString("nl-NL", { hour: "2-digit", minute: "2-digit" }) + ")." : ".");
    var sms = impact.sms;
    document.getElementById("impact-sms").textContent = "SMS: " + sms.segments.nl + " segment(en) in het Nederlands, " +
      sms.segments.en + " in het Engels" + (few ? "." : "; " + sms.messages + " berichten, hooguit € " +
      sms.cost_eur.toFixed(2).replace(".", ",") + ".");
    document.getElementById("impact-duration").textContent = few ? "" :
      "Iedereen bereikt in ongeveer " + duration(impact.duration_s.all) + " (spraak " + duration(impact.duration_s.voice) +
      " bij " + impact.limits.channels + " kanalen en " + impact.limits.calls_per_second + " oproepen/s op " +
      impact.limits.trunk + "; SMS " + duration(impact.duration_s.sms) + ").";
  }

  var seq = 0;
  function previewNow() {
    var mine = ++seq;
    var data = new FormData(form);
    data.delete("photos");
    state.textContent = "Berekenen…";
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (mine !== seq) return;
        if (!res.ok) { state.textContent = "Nog niet te berekenen: " + res.body.field + ": " + res.body.reason; table.hidden = true; return; }
        show(res.body);
      })
      .catch(function () { state.textContent = "De impact kon niet berekend worden; controleer de verbinding."; });
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(previewNow, 700); }
  document.getElementById("impact-button").addEventListener("click", previewNow);
  form.addEventListener("change", later);
  form.addEventListener("input", later);
})();
