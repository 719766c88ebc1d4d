/* The portfolio table's sorting, filters and search: the one implementation, used by the
   reports folder's index page (inlined into index.html) and by the portfolio dashboard (the
   module of its table widget, workbook/ui/portfolio_app.py). No library and nothing fetched, so
   the index works opened straight from disk.

   Everything it reads comes from workbook/portfolio.py: a row's data-search (the words searched),
   data-type, data-lights, data-status, and each cell's data-sort (a number, or empty).

   - A column's heading becomes a button: the first press sorts ascending, the next descending
     (a visible arrow and aria-sort on the heading). The "Sort by" list does the same (on a
     phone, where the table is a list of cards and has no headings) and follows the headings.
     Cells with a data-sort attribute sort as numbers, an empty one last in either direction;
     the alliance's name sorts as text. Ties keep the page's order (by name).
   - The search (every word, in any case and without accents, in the alliance's name, vendor or
     partner), the type, status and area-light filters only toggle `hidden` on rows whose state
     changes, and typing is debounced, so a thousand rows stay quick.
   - Failed files (a body of their own) are never sorted or hidden.

   wbPortfolioFold, wbPortfolioMatches and wbPortfolioOrder are pure: the tests run them on
   cases of their own. */

function wbPortfolioFold(text) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/* Whether a row (its folded search text, type, lights and status tags) passes the search
   words (already folded) and the filters ("" = any). A light is "area:colour"; "*:colour" is
   that colour in any area. */
function wbPortfolioMatches(item, words, type, status, light) {
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

/* The items in order of key(item) ("ascending" or "descending"): numbers as numbers, text by
   the collator, null last in either direction; ties keep item.order. */
function wbPortfolioOrder(items, key, direction, collator) {
  var sign = direction === "descending" ? -1 : 1;
  return items.slice().sort(function (a, b) {
    var x = key(a), y = key(b);
    if (x === null || y === null) {
      return x === y ? a.order - b.order : x === null ? 1 : -1;
    }
    var d = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
    return d ? sign * d : a.order - b.order;
  });
}

/* Make the portfolio table inside `root` (an element, or the document) sortable, searchable
   and filterable with the form inside it. */
function wbPortfolioTable(root) {
  "use strict";
  var form = root.querySelector(".wb-controls");
  var table = root.querySelector("table.wb-portfolio");
  if (!form || !table || !table.tBodies.length || !table.tHead) return;
  var body = table.tBodies[0];
  var count = root.querySelector(".wb-count");
  var none = root.querySelector(".wb-none");
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var TYPING_MS = 150;

  var rows = Array.prototype.map.call(body.rows, function (row, i) {
    var link = row.querySelector("a.wb-open");
    var name = (link || row.cells[0]).textContent;
    return {
      row: row,
      order: i,
      name: name,
      folded: wbPortfolioFold(row.getAttribute("data-search") || name),
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

  var fields = form.elements;
  var sortList = fields.namedItem("sort");
  var sorted = { column: -1, direction: "" };

  /* Sort by column c (-1: the page's order) in the direction given. */
  function sortBy(c, direction) {
    var order = c < 0
      ? rows.slice()
      : wbPortfolioOrder(rows, function (item) { return key(item, c); }, direction, collator);
    var moved = document.createDocumentFragment();
    order.forEach(function (item) { moved.appendChild(item.row); });
    body.appendChild(moved);
    sorted = { column: c, direction: direction };
    if (sortList) {
      var value = c < 0 ? "" : c + ":" + direction;
      sortList.value = value;
      if (sortList.value !== value) sortList.value = "";
    }
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
    button.addEventListener("click", function () {
      sortBy(c, sorted.column === c && sorted.direction === "ascending" ? "descending" : "ascending");
    });
    th.appendChild(button);
  });

  function applySortList() {
    var value = sortList ? sortList.value : "";
    var at = value.indexOf(":");
    if (at < 0) {
      if (sorted.column >= 0) sortBy(-1, "");
    } else {
      var c = Number(value.slice(0, at)), direction = value.slice(at + 1);
      if (c !== sorted.column || direction !== sorted.direction) sortBy(c, direction);
    }
  }

  function apply() {
    var words = wbPortfolioFold(fields.namedItem("q").value).split(/\s+/).filter(Boolean);
    var type = fields.namedItem("type").value;
    var status = fields.namedItem("status").value;
    var light = fields.namedItem("light").value;
    var shown = 0;
    for (var i = 0; i < total; i++) {
      var item = rows[i];
      var show = wbPortfolioMatches(item, words, type, status, light);
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
    } else if (event.target === sortList) {
      applySortList();
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
    setTimeout(function () { applySortList(); apply(); }, 0);  // the fields take their defaults after this event
  });

  form.hidden = false;
  count.hidden = false;
  applySortList();  // the browser may have kept the fields' values (back from a report)
  apply();
}
