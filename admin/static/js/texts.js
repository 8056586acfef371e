/* The page's words for scripts: base.html's JSON block id="ui-texts", filled in by admin/ui_texts.py. */
var UitkijkText = (function () {
  "use strict";
  var block = document.getElementById("ui-texts");
  var texts = block ? JSON.parse(block.textContent) : {};
  function t(key, values) {
    var text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }
  return { t: t };
})();
