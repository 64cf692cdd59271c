/* Wuye service desk: the small scripts of the desk and technician screens.
 *
 * 1. Picking a caller in the desk's lookup results fills the register form (without the
 *    script the result is a plain link that reloads the form with the choice).
 * 2. Signature pads: the customer draws on a <canvas> with a finger, pen or mouse (pointer
 *    events); the drawing goes into a hidden input as a PNG data URL.
 * No framework, no network.
 */
(function () {
  "use strict";

  // --- 1. the caller lookup ----------------------------------------------------------------

  function byName(form, name) {
    return form.querySelector('[name="' + name + '"]');
  }

  function setPicked(form, reporter, reporterName, unit, label) {
    byName(form, "reporter").value = reporter || "";
    byName(form, "unit").value = unit || "";
    var nameInput = byName(form, "reporter_name");
    if (nameInput && reporterName) {
      nameInput.value = reporterName;
    }
    var picked = form.querySelector("#picked");
    var text = form.querySelector("#picked-text");
    var clear = form.querySelector("#picked-clear");
    if (picked && text) {
      if (reporter || unit) {
        text.textContent = label;
        picked.classList.add("is-set");
        if (clear) clear.hidden = false;
      } else {
        text.textContent = text.getAttribute("data-empty") || "";
        picked.classList.remove("is-set");
        if (clear) clear.hidden = true;
      }
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var pick = target.closest("[data-pick]");
    var form = target.closest("#register-form");
    if (pick && form) {
      event.preventDefault();
      form.querySelectorAll("[data-pick].is-picked").forEach(function (el) {
        el.classList.remove("is-picked");
      });
      pick.classList.add("is-picked");
      setPicked(
        form,
        pick.getAttribute("data-reporter"),
        pick.getAttribute("data-reporter-name"),
        pick.getAttribute("data-unit"),
        pick.getAttribute("data-label")
      );
      var description = byName(form, "description");
      if (description) description.focus();
      return;
    }
    if (target.id === "picked-clear" && form) {
      event.preventDefault();
      form.querySelectorAll("[data-pick].is-picked").forEach(function (el) {
        el.classList.remove("is-picked");
      });
      setPicked(form, "", "", "", "");
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var text = document.querySelector("#register-form #picked-text");
    var picked = document.querySelector("#register-form #picked");
    if (text && picked && !picked.classList.contains("is-set")) {
      text.setAttribute("data-empty", text.textContent);
    }
  });

  // --- 2. signature pads -------------------------------------------------------------------

  function setUpPad(canvas) {
    if (canvas.getAttribute("data-ready")) return;
    canvas.setAttribute("data-ready", "1");
    var input = document.getElementById(canvas.getAttribute("data-signature"));
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var last = null;

    function reset() {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111827";
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    function save() {
      if (input) input.value = canvas.toDataURL("image/png");
    }

    reset();
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) {
        try {
          canvas.setPointerCapture(event.pointerId);
        } catch (e) {
          /* synthetic pointers cannot be captured */
        }
      }
      ctx.beginPath();
      ctx.arc(last.x, last.y, 1.2, 0, Math.PI * 2);
      ctx.fillStyle = "#111827";
      ctx.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    });
    function stop() {
      if (!drawing) return;
      drawing = false;
      save();
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    var clear = document.querySelector(
      '[data-signature-clear="' + canvas.getAttribute("data-signature") + '"]'
    );
    if (clear) {
      clear.addEventListener("click", function () {
        reset();
        if (input) input.value = "";
      });
    }
  }

  function setUpPads(root) {
    (root || document).querySelectorAll("canvas[data-signature]").forEach(setUpPad);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpPads(document);
  });
  // pads inside content htmx swaps in
  document.addEventListener("htmx:afterSwap", function (event) {
    setUpPads(event.target);
  });
})();
