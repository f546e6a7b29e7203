/* csc's own behaviour, as a file so the Content-Security-Policy can forbid inline scripts.
   Everything hangs on data attributes:
   - data-reset-after: a form htmx submits is emptied after the request, unless the answer asks
     to keep the query (data-keep-query) so the clerk can refine a name search; where the cursor
     goes next is the answer's to say (autofocus, or data-focus-after);
   - data-focus-after: the element to focus once htmx has swapped an answer in;
   - data-fill / data-fill-target: a button that writes its value into a field (quick amounts);
   - data-copy: a button that copies the text of the element it names (a ballot receipt). */
(function () {
  "use strict";

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-reset-after]")) return;
    var target = event.detail.target;
    if (target && target.querySelector("[data-keep-query]")) return;
    form.reset();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    var goal = target.querySelector("[data-focus-after]");
    if (goal) {
      var el = document.querySelector(goal.getAttribute("data-focus-after"));
      if (el) el.focus();
      return;
    }
    var auto = target.querySelector("[autofocus]");
    if (auto) auto.focus();
  });

  // Alt + a letter activates the element with that accesskey (the counter's "print" after a
  // dispensing), the same in every browser, while the cursor waits in the scan field.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || !event.key || event.key.length !== 1) return;
    var target = document.querySelector('[accesskey="' + event.key.toLowerCase() + '"]');
    if (!target) return;
    event.preventDefault();
    target.click();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-fill]") : null;
    if (button) {
      var field = document.querySelector(button.getAttribute("data-fill-target"));
      if (field) {
        field.value = button.getAttribute("data-fill");
        field.focus();
      }
      return;
    }
    var copy = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          copy.setAttribute("data-copied", "1");
          copy.textContent = copy.getAttribute("data-copied-label") || copy.textContent;
        });
      } else if (source) {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
    }
  });
})();
