/* Page behaviours, declared in templates with data- attributes and wired here once, for the page and for what
   htmx swaps in. The Content-Security-Policy allows no inline script or event handler (onclick=, hx-on), and no
   inline style attribute: templates say what they want, this file does it. */
(function () {
  "use strict";

  function matches(element, selector) {
    return Boolean(element && element.matches && element.matches(selector));
  }

  // <select data-submit-on-change>: choosing an option submits its form (language, restaurant pickers).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (matches(field, "[data-submit-on-change]") && field.form) { field.form.submit(); }
  });

  // <form data-confirm="Question?">: asks before submitting; "Cancel" keeps the page as it is.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (matches(form, "form[data-confirm]") && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  }, true);

  // <input type="checkbox" data-check-all="selector">: ticks or clears every checkbox the selector finds.
  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!matches(box, "input[data-check-all]")) { return; }
    document.querySelectorAll(box.dataset.checkAll).forEach(function (other) { other.checked = box.checked; });
  });

  // <button data-formset-add="prefix">: one more row of a Django formset, copied from its
  // <template data-formset-empty="prefix"> (the formset's empty form) into [data-formset-rows="prefix"].
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-formset-add]") : null;
    if (!button) { return; }
    var prefix = button.dataset.formsetAdd;
    var total = document.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var template = document.querySelector("template[data-formset-empty='" + prefix + "']");
    var rows = document.querySelector("[data-formset-rows='" + prefix + "']");
    if (!total || !template || !rows) { return; }
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, total.value));
    total.value = String(Number(total.value) + 1);
  });

  // data-css-var="--name" data-css-value="value": a custom property the stylesheet reads (level colours, heat map).
  function applyCssVariables(root) {
    var elements = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll("[data-css-var]")) : [];
    if (matches(root, "[data-css-var]")) { elements.push(root); }
    elements.forEach(function (element) {
      element.style.setProperty(element.dataset.cssVar, element.dataset.cssValue || "");
    });
  }
  document.addEventListener("htmx:load", function (event) { applyCssVariables(event.detail.elt); });

  // The till ([data-focus-after-swap]): after each swap a scanner or keyboard can go on at once, so the first
  // empty field of the new part gets the focus.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.closest || !target.closest("[data-focus-after-swap]")) { return; }
    var field = target.querySelector("[autofocus], input[name=amount], input[name=phone]");
    if (field) { field.focus(); }
  });

  // The till ([data-swap-refusals]): a refused operation answers 4xx with the part that says why (a blocked
  // guest, a right the role lacks, an expired form). htmx swaps only 2xx by default; here the refusal is shown.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if (status < 400 || status >= 500 || !target || !target.closest || !target.closest("[data-swap-refusals]")) {
      return;
    }
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });

  // The layout's quick search ([data-quick-search]): "/" anywhere outside a field focuses its box; in the box the
  // arrows move through the results htmx put under it, Enter opens the chosen one (or submits the box: the results
  // page), Escape closes the results.
  function quickSearchBox() { return document.querySelector("[data-quick-search] input[name=quick]"); }
  function quickResults(box) { return document.getElementById(box.getAttribute("aria-controls")); }
  function quickOptions(box) {
    var results = quickResults(box);
    return results ? Array.prototype.slice.call(results.querySelectorAll("[role=option]")) : [];
  }
  function chooseQuickOption(box, option) {
    quickOptions(box).forEach(function (other) {
      other.setAttribute("aria-selected", other === option ? "true" : "false");
      other.classList.toggle("active", other === option);
    });
    if (option) {
      box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({block: "nearest"});
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }
  function closeQuickResults(box) {
    var results = quickResults(box);
    if (results) { results.innerHTML = ""; }
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var box = quickSearchBox();
    if (!box) { return; }
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey &&
        !matches(target, "input, textarea, select, [contenteditable], [contenteditable] *")) {
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    if (target !== box) { return; }
    var options = quickOptions(box);
    var current = options.indexOf(document.getElementById(box.getAttribute("aria-activedescendant") || ""));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) { return; }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      chooseQuickOption(box, options[(current + step + options.length) % options.length]);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      window.location.assign(options[current].href);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeQuickResults(box);
      box.blur();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = quickSearchBox();
    if (!box || event.detail.target !== quickResults(box)) { return; }
    box.setAttribute("aria-expanded", quickResults(box).children.length ? "true" : "false");
    box.removeAttribute("aria-activedescendant");
  });
  document.addEventListener("click", function (event) {
    var box = quickSearchBox();
    if (box && !event.target.closest("[data-quick-search]")) { closeQuickResults(box); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyCssVariables(document); });
  } else {
    applyCssVariables(document);
  }
}());
