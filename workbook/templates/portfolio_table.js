/* The portfolio page's sorting, filters and search, inlined into index.html: no library and
   nothing fetched, so it works opened straight from disk.

   - A column's heading becomes a button: the first press sorts ascending, the next descending
     (a visible arrow and aria-sort on the heading). Cells with a data-sort attribute sort as
     numbers, an empty one last in either direction; the alliance's name sorts as text. Ties
     keep the page's order (by name).
   - The search (every word, in any case and without accents, in the alliance's name), the type,
     status and area-light filters only toggle `hidden` on rows whose state changes, and typing
     is debounced, so a thousand rows stay quick.
   - Failed files (a body of their own) are never sorted or hidden. */
(function () {
  "use strict";
  var form = document.getElementById("wb-portfolio-controls");
  var table = document.querySelector("table.wb-portfolio");
  if (!form || !table || !table.tBodies.length || !table.tHead) return;
  var body = table.tBodies[0];
  var count = document.getElementById("wb-portfolio-count");
  var none = document.getElementById("wb-portfolio-none");
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var TYPING_MS = 150;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var rows = Array.prototype.map.call(body.rows, function (row, i) {
    var link = row.querySelector("a.wb-open");
    var name = (link || row.cells[0]).textContent;
    return {
      row: row,
      order: i,
      name: name,
      folded: fold(name),
      type: row.getAttribute("data-type") || "",
      lights: (row.getAttribute("data-lights") || "").split(" "),
      status: (row.getAttribute("data-status") || "").split(" "),
      keys: {}
    };
  });
  var total = rows.length;

  /* The value a row sorts by in column c: a number, a name, or null (sorts last). */
  function key(item, c) {
    if (!(c in item.keys)) {
      var cell = item.row.cells[c];
      if (cell && cell.hasAttribute("data-sort")) {
        var raw = cell.getAttribute("data-sort");
        var n = raw === "" ? NaN : Number(raw);
        item.keys[c] = isNaN(n) ? null : n;
      } else {
        item.keys[c] = c === 0 ? item.name : (cell ? cell.textContent.trim() : "") || null;
      }
    }
    return item.keys[c];
  }

  var sorted = { column: -1, direction: "" };

  function sortBy(c) {
    var direction = sorted.column === c && sorted.direction === "ascending" ? "descending" : "ascending";
    var sign = direction === "ascending" ? 1 : -1;
    var order = rows.slice().sort(function (a, b) {
      var x = key(a, c), y = key(b, c);
      if (x === null || y === null) {
        return x === y ? a.order - b.order : x === null ? 1 : -1;
      }
      var d = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
      return d ? sign * d : a.order - b.order;
    });
    var moved = document.createDocumentFragment();
    order.forEach(function (item) { moved.appendChild(item.row); });
    body.appendChild(moved);
    sorted = { column: c, direction: direction };
    heads.forEach(function (th, i) {
      var arrow = th.querySelector(".wb-arrow");
      if (i === c) {
        th.setAttribute("aria-sort", direction);
        arrow.textContent = direction === "ascending" ? "▲" : "▼";
        arrow.classList.remove("wb-unsorted");
      } else {
        th.removeAttribute("aria-sort");
        arrow.textContent = "↕";
        arrow.classList.add("wb-unsorted");
      }
    });
  }

  heads.forEach(function (th, c) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "wb-sort";
    while (th.firstChild) button.appendChild(th.firstChild);
    button.title = "Sort by " + button.textContent;
    var arrow = document.createElement("span");
    arrow.className = "wb-arrow wb-unsorted";
    arrow.setAttribute("aria-hidden", "true");
    arrow.textContent = "↕";
    button.appendChild(document.createTextNode(" "));  // the arrow may wrap: no column grows for it
    button.appendChild(arrow);
    button.addEventListener("click", function () { sortBy(c); });
    th.appendChild(button);
  });

  var fields = form.elements;

  function matches(item, words, type, status, light) {
    if (type && item.type !== type) return false;
    if (status && item.status.indexOf(status) < 0) return false;
    if (light) {
      var at = light.indexOf(":");
      var area = light.slice(0, at), colour = light.slice(at + 1);
      var lit = area === "*"
        ? item.lights.some(function (l) { return l.slice(l.indexOf(":") + 1) === colour; })
        : item.lights.indexOf(light) >= 0;
      if (!lit) return false;
    }
    for (var w = 0; w < words.length; w++) {
      if (item.folded.indexOf(words[w]) < 0) return false;
    }
    return true;
  }

  function apply() {
    var words = fold(fields.namedItem("q").value).split(/\s+/).filter(Boolean);
    var type = fields.namedItem("type").value;
    var status = fields.namedItem("status").value;
    var light = fields.namedItem("light").value;
    var shown = 0;
    for (var i = 0; i < total; i++) {
      var item = rows[i];
      var show = matches(item, words, type, status, light);
      if (item.row.hidden === show) item.row.hidden = !show;
      if (show) shown++;
    }
    var text = shown.toLocaleString("en-US") + " of " + total.toLocaleString("en-US") +
      (total === 1 ? " alliance" : " alliances") + " shown";
    if (count.textContent !== text) count.textContent = text;
    none.hidden = shown > 0;
  }

  var typing = 0;
  form.addEventListener("input", function (event) {
    clearTimeout(typing);
    if (event.target === fields.namedItem("q")) {
      typing = setTimeout(apply, TYPING_MS);
    } else {
      apply();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();  // Enter in the search box: filter at once, never reload the page
    clearTimeout(typing);
    apply();
  });
  form.addEventListener("reset", function () {
    clearTimeout(typing);
    setTimeout(apply, 0);  // the fields take their defaults after this event
  });

  form.hidden = false;
  count.hidden = false;
  apply();  // the browser may have kept the fields' values (back from a report)
})();
