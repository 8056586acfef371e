// Forms with data-confirm ask before they are sent (the content security policy allows no inline handlers).
document.querySelectorAll("form[data-confirm]").forEach(function (form) {
  "use strict";
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
});
