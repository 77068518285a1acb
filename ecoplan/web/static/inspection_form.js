// ecoplan: the on-site inspection form on a phone with a poor connection.
// - the form being filled is saved in localStorage as a draft on every change;
// - "Submit" puts the record (fields, and photos up to OFFLINE_MAX bytes as data URLs) into an
//   outbox in localStorage and sends the outbox while the phone is online, oldest first;
// - each record carries a client_uuid, so a record sent twice (the answer lost on the way) is
//   stored once by the server.
// No external code, no inline script (CSP: script-src 'self').
(function () {
  "use strict";
  var DRAFT = "ecoplan.inspection.draft";
  var OUTBOX = "ecoplan.inspection.outbox";
  var OFFLINE_MAX = 3 * 1024 * 1024;
  var form = document.getElementById("inspection-form");
  if (!form) { return; }
  var status = document.getElementById("outbox-status");
  var errors = document.getElementById("outbox-errors");
  var lang = document.body.dataset.lang === "en" ? "en" : "zh";
  var files = [];  // [{name, type, data}] of the form being filled
  var sending = false;

  function msg(key) { return status.dataset[lang + key.charAt(0).toUpperCase() + key.slice(1)] || ""; }
  function say(text) { status.textContent = text; }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function fields() {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.name === "csrf_token") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      out.push([el.name, el.value]);
    });
    return out;
  }

  function fill(pairs) {
    form.reset();
    pairs.forEach(function (p) {
      var els = form.querySelectorAll('[name="' + CSS.escape(p[0]) + '"]');
      Array.prototype.forEach.call(els, function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.value === p[1]) { el.checked = true; }
        } else { el.value = p[1]; }
      });
    });
    showChecklist();
  }

  function showChecklist() {
    var opt = form.enterprise.selectedOptions[0];
    var key = (opt && opt.dataset.checklist) || "general";
    form.checklist.value = key;
    form.querySelectorAll("fieldset.checklist").forEach(function (fs) {
      var on = fs.dataset.checklist === key;
      fs.hidden = !on;
      fs.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    });
  }

  function saveDraft() {
    store(DRAFT, { fields: fields(), files: files });
  }

  function queue() { return load(OUTBOX, []); }

  function showQueue() {
    var q = queue();
    errors.textContent = "";
    q.forEach(function (r) {
      if (r.error) {
        var li = document.createElement("li");
        li.textContent = r.error;
        var edit = document.createElement("button");
        edit.type = "button";
        edit.textContent = lang === "zh" ? "取回修改" : "Edit";
        edit.addEventListener("click", function () {
          store(OUTBOX, queue().filter(function (x) { return x.id !== r.id; }));
          files = r.files || [];
          fill(r.fields);
          saveDraft();
          showQueue();
        });
        li.appendChild(edit);
        errors.appendChild(li);
      }
    });
    var waiting = q.filter(function (r) { return !r.error; }).length;
    if (waiting) { say(waiting + " " + msg("queued")); }
    return waiting;
  }

  function toBlob(dataUrl) {
    var parts = dataUrl.split(",");
    var bin = atob(parts[1]);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return new Blob([bytes], { type: parts[0].split(":")[1].split(";")[0] });
  }

  function send() {
    if (sending || !navigator.onLine) { return; }
    var next = queue().filter(function (r) { return !r.error; })[0];
    if (!next) { return; }
    sending = true;
    var body = new FormData();
    next.fields.forEach(function (p) { body.append(p[0], p[1]); });
    (next.files || []).forEach(function (f) { body.append("evidence", toBlob(f.data), f.name); });
    var meta = document.querySelector('meta[name="csrf-token"]');
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": meta ? meta.content : "" }
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, status: resp.status, data: data }; },
                              function () { return { ok: resp.ok, status: resp.status, data: {} }; });
    }).then(function (res) {
      var q = queue();
      if (res.ok) {
        store(OUTBOX, q.filter(function (x) { return x.id !== next.id; }));
        say(msg("sent") + " #" + res.data.id);
        status.dataset.lastId = res.data.id;
      } else if (res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 408 && res.status !== 429) {
        q.forEach(function (x) {
          if (x.id === next.id) { x.error = (res.data["detail_" + lang] || res.data.detail || res.status); }
        });
        store(OUTBOX, q);
      }
      sending = false;
      showQueue();
      send();
    }).catch(function () {
      sending = false;
      say(msg("offline"));
    });
  }

  form.enterprise.addEventListener("change", function () { showChecklist(); saveDraft(); });
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  document.getElementById("evidence").addEventListener("change", function (ev) {
    files = [];
    var list = Array.prototype.slice.call(ev.target.files || []);
    var total = list.reduce(function (n, f) { return n + f.size; }, 0);
    if (total > OFFLINE_MAX) { say(msg("big")); return; }
    list.forEach(function (f) {
      var reader = new FileReader();
      reader.onload = function () { files.push({ name: f.name, type: f.type, data: reader.result }); saveDraft(); };
      reader.readAsDataURL(f);
    });
  });

  document.getElementById("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.latitude.value = pos.coords.latitude.toFixed(6);
      form.longitude.value = pos.coords.longitude.toFixed(6);
      saveDraft();
    }, function () {}, { enableHighAccuracy: true, timeout: 15000 });
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!form.checkValidity()) { form.reportValidity(); return; }
    var record = { id: form.client_uuid.value, fields: fields(), files: files };
    var q = queue();
    q.push(record);
    if (!store(OUTBOX, q)) {  // the phone's storage is full: keep it without the photos
      record.files = [];
      say(msg("big"));
      store(OUTBOX, q);
    }
    localStorage.removeItem(DRAFT);
    files = [];
    form.reset();
    form.client_uuid.value = uuid();
    showChecklist();
    showQueue();
    if (!navigator.onLine) { say(msg("offline")); }
    send();
  });

  window.addEventListener("online", send);
  setInterval(send, 30000);

  var draft = load(DRAFT, null);
  if (draft && draft.fields && draft.fields.length) {
    files = draft.files || [];
    fill(draft.fields);
    say(msg("restored"));
  }
  if (!form.client_uuid.value) { form.client_uuid.value = uuid(); }
  showChecklist();
  showQueue();
  send();
})();
