/* slatrack: the only script, served locally. Every page works without it; it adds
   - a menu button that folds the navigation on narrow screens;
   - the dashboard's refresh: every 60 s it fetches the dashboard's HTML fragment and swaps it in;
   - column labels for tables that become cards on phones (table.stack);
   - a confirmation before a form marked data-confirm="question" is sent (no inline handlers: the CSP
     forbids them). Without the script such a form is sent at once. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setupMenu() {
    var button = document.querySelector(".menu-toggle");
    var nav = document.getElementById("sidenav");
    if (!button || !nav) { return; }
    var narrow = window.matchMedia("(max-width: 900px)");
    function apply() {
      button.hidden = !narrow.matches;
      if (!narrow.matches) { nav.classList.remove("collapsed"); }
      else if (!button.dataset.touched) { nav.classList.add("collapsed"); }
      button.setAttribute("aria-expanded", nav.classList.contains("collapsed") ? "false" : "true");
    }
    button.addEventListener("click", function () {
      button.dataset.touched = "1";
      nav.classList.toggle("collapsed");
      button.setAttribute("aria-expanded", nav.classList.contains("collapsed") ? "false" : "true");
    });
    if (narrow.addEventListener) { narrow.addEventListener("change", apply); }
    apply();
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function setupRefresh() {
    var box = document.querySelector("[data-refresh-url]");
    if (!box || !window.fetch) { return; }
    var url = box.getAttribute("data-refresh-url");
    var seconds = parseInt(box.getAttribute("data-refresh-seconds") || "60", 10);
    var status = document.getElementById("refresh-status");
    var timer = null;
    function schedule() {
      // Figures still being measured on the server: look again in a few seconds, else every minute.
      var pending = box.querySelector("[data-pending]") !== null;
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, (pending ? 5 : seconds) * 1000);
    }
    function refresh() {
      if (document.hidden) { schedule(); return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.redirected || !response.ok) {
            // Logged out (session timeout) or an error: show it rather than stale figures.
            if (response.redirected) { window.location.reload(); }
            throw new Error("HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          box.innerHTML = html;
          labelStacks(box);
          var now = new Date();
          if (status) { status.textContent = "已自动刷新：" + two(now.getHours()) + ":" + two(now.getMinutes()); }
          schedule();
        })
        .catch(function () {
          if (status) { status.textContent = "自动刷新失败，将在 " + seconds + " 秒后重试"; }
          schedule();
        });
    }
    schedule();
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
  }

  // Tables marked "stack" turn into a card per row on phones (layout.css): each cell is labelled with its
  // column's heading (data-label), read from the table's header row, honouring colspan.
  function labelStacks(root) {
    var tables = root.querySelectorAll("table.stack");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = [];
      var row = table.querySelector("thead tr");
      if (!row) { return; }
      Array.prototype.forEach.call(row.cells, function (cell) {
        for (var i = 0; i < (cell.colSpan || 1); i += 1) { heads.push(cell.textContent.trim()); }
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (tr) {
          var column = 0;
          Array.prototype.forEach.call(tr.cells, function (cell) {
            if ((cell.colSpan || 1) === 1 && heads[column] && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", heads[column]);
            }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  function setupConfirm() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
      if (question && !window.confirm(question)) { event.preventDefault(); }
    });
  }

  // A form with a kind selector (data-kind-select) shows only the sections (data-kinds="a b") of the kind chosen.
  function setupKindSections() {
    var select = document.querySelector("select[data-kind-select]");
    if (!select || !select.form) { return; }
    var sections = select.form.querySelectorAll("[data-kinds]");
    function apply() {
      for (var i = 0; i < sections.length; i++) {
        sections[i].hidden = sections[i].getAttribute("data-kinds").split(" ").indexOf(select.value) < 0;
      }
    }
    select.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupKindSections();
    setupRefresh();
    setupConfirm();
    labelStacks(document);
  });
}());
