  // What every daemon's status page shares (dlba_status_page() in userspace/CMakeLists.txt
  // inserts it into the page's script, inside its function): the refresh period from
  // ?refresh=SECONDS (default 2; 0: once), elements made with their text only (never markup),
  // tables, and the loop reading GET status.
  var params = new URLSearchParams(window.location.search);
  var refresh = Number(params.has("refresh") ? params.get("refresh") : 2);
  if (!isFinite(refresh) || refresh < 0) refresh = 2;
  if (refresh > 0 && refresh < 0.5) refresh = 0.5;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function num(v) { return typeof v === "number" && isFinite(v) ? v : 0; }
  function duration(s) {
    s = Math.floor(num(s));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    return (d ? d + "d " : "") + h + "h " + m + "m " + (s % 60) + "s";
  }
  // A table: cols = [[heading, key, numeric]], rows = [{cells: {key: value}, cls, attrs}]; a
  // cell's data-k is its column's key, the "state" column's cells have the class state.
  function table(id, cols, rows) {
    var t = el("table"), tr = el("tr");
    if (id) t.id = id;
    cols.forEach(function (c) { tr.appendChild(el("th", null, c[0])); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr", r.cls || null);
      Object.keys(r.attrs || {}).forEach(function (k) { row.setAttribute(k, String(r.attrs[k])); });
      cols.forEach(function (c) {
        var v = r.cells[c[1]];
        var td = el("td", c[2] ? "n" : null, v === undefined || v === null ? "" : v);
        if (c[1] === "state") td.className = "state";
        td.setAttribute("data-k", c[1]);
        row.appendChild(td);
      });
      t.appendChild(row);
    });
    return t;
  }
  function replace(id, node) {
    var box = document.getElementById(id);
    while (box.firstChild) box.removeChild(box.firstChild);
    if (node) box.appendChild(node);
  }
  // GET status every `refresh` seconds: render(document, now in ms) with each one read.
  function poll(render) {
    fetch("status", {cache: "no-store"}).then(function (r) {
      if (!r.ok) throw new Error("GET status: HTTP " + r.status);
      return r.json();
    }).then(function (d) {
      render(d, performance.now());
      document.getElementById("error").textContent = "";
    }).catch(function (e) {
      document.getElementById("error").textContent = "cannot read the status: " + e.message;
    }).then(function () {
      if (refresh > 0) window.setTimeout(function () { poll(render); }, refresh * 1000);
    });
  }
