// Keyboard navigation for a deck: arrows, space, Page Up/Down, Home/End;
// `s` toggles the speaker notes. The slide number is kept in the URL's
// fragment (#3), so a reload or a link lands on the same slide.
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var counter = document.getElementById("counter");
  var current = 0;

  function fromHash() {
    var n = parseInt(location.hash.replace(/^#/, ""), 10);
    return isNaN(n) ? 0 : n - 1;
  }

  function show(i) {
    if (slides.length === 0) return;
    i = Math.max(0, Math.min(slides.length - 1, i));
    slides[current].classList.remove("active");
    current = i;
    slides[current].classList.add("active");
    if (counter) counter.textContent = (current + 1) + " / " + slides.length;
    var hash = "#" + (current + 1);
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    switch (e.key) {
      case "ArrowRight": case "ArrowDown": case "PageDown": case "n":
        show(current + 1); break;
      case "ArrowLeft": case "ArrowUp": case "PageUp": case "p":
        show(current - 1); break;
      case " ":
        show(e.shiftKey ? current - 1 : current + 1); break;
      case "Home":
        show(0); break;
      case "End":
        show(slides.length - 1); break;
      case "s": case "S":
        document.body.classList.toggle("show-notes"); break;
      default:
        return;
    }
    e.preventDefault();
  });
  window.addEventListener("hashchange", function () { show(fromHash()); });

  // What the browser tests (and curious presenters) can ask.
  window.deck = {
    count: slides.length,
    current: function () { return current; },
    go: show
  };
  show(fromHash());
})();
