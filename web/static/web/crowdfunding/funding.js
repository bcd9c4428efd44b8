/* A matching pool's form: show only the fields of the rule chosen (without scripts every field shows, each group
   saying which rule it is for, and the page sends only the chosen rule's fields to the service). */
(function () {
  "use strict";
  function sync(form) {
    var select = form.querySelector('select[name="rule"]');
    if (!select) return;
    form.querySelectorAll("fieldset.rule-fields").forEach(function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-rule") !== select.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.pool-form").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "rule") sync(form);
      });
    });
  });
})();
