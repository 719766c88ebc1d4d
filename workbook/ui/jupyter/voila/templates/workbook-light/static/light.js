// The light participant page: a small renderer for Jupyter widgets (protocol 2.1, ipywidgets 8).
//
// Voila has already run the notebook in this page's kernel. This script connects to that kernel
// over Voila's websocket, asks ipywidgets for the state of every widget (the
// "jupyter.widget.control" comm), draws the widgets the notebook displayed, and from then on
// keeps both sides in step with "update" and "custom" comm messages. It draws only the widget
// kinds listed in VIEWS (what the participant's form uses); anything else shows a plain notice
// rather than breaking the page. tests/browser/test_apps.py checks the list against the app.
(function () {
  "use strict";

  var PROTOCOL = "5.3";
  var CONTROL_VERSION = "1.0.0";
  var OUTPUT = 'script[type="application/vnd.voila.cell-output+json"]';
  var REF = "IPY_MODEL_";

  var loading = document.getElementById("wb-loading");
  var cells = document.getElementById("rendered_cells");
  var configEl = document.getElementById("jupyter-config-data");
  var cfg = configEl ? JSON.parse(configEl.textContent) : {};

  // -- small helpers -------------------------------------------------------------------------

  function uuid() {
    // crypto.randomUUID exists only on https or localhost; a workshop room is often plain http.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.from(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function div(cls) {
    var d = document.createElement("div");
    if (cls) d.className = cls;
    return d;
  }

  function notice(text, action) {
    var bar = document.getElementById("wb-notice");
    if (!text) {
      if (bar) bar.remove();
      return;
    }
    if (!bar) {
      bar = div("wb-notice");
      bar.id = "wb-notice";
      bar.setAttribute("role", "alert");
      document.body.insertBefore(bar, document.body.firstChild);
    }
    bar.textContent = text;
    if (action) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = action.label;
      b.addEventListener("click", action.run);
      bar.appendChild(b);
    }
  }

  var reload = { label: "Reload the page", run: function () { window.location.reload(); } };

  // -- the kernel connection -----------------------------------------------------------------

  var session = uuid();
  var ws = null;
  var queue = [];
  var leaving = false;
  var retries = 0;
  var RETRY_MS = [500, 1000, 2000, 4000, 8000, 15000];

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + window.location.host + cfg.baseUrl + "api/kernels/" +
      encodeURIComponent(cfg.kernelId) + "/channels?session_id=" + session;
    var token = cfg.token || new URLSearchParams(window.location.search).get("token");
    return token ? url + "&token=" + encodeURIComponent(token) : url;
  }

  function send(msgType, content, metadata) {
    var msg = JSON.stringify({
      header: { msg_id: uuid(), msg_type: msgType, username: "", session: session,
                date: new Date().toISOString(), version: PROTOCOL },
      parent_header: {}, metadata: metadata || {}, content: content, channel: "shell", buffers: []
    });
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(msg);
    else queue.push(msg); // sent once the connection is back
  }

  function decode(data) {
    if (typeof data === "string") return JSON.parse(data);
    // Jupyter server's binary frame: a count, the offsets, the JSON message, then its buffers.
    var view = new DataView(data);
    var n = view.getUint32(0);
    var offsets = [];
    for (var i = 0; i < n; i++) offsets.push(view.getUint32(4 * (i + 1)));
    var parts = offsets.map(function (start, k) {
      return new DataView(data, start, (k + 1 < n ? offsets[k + 1] : data.byteLength) - start);
    });
    var msg = JSON.parse(new TextDecoder().decode(parts[0]));
    msg.buffers = parts.slice(1);
    return msg;
  }

  function connect() {
    ws = new WebSocket(socketUrl());
    ws.binaryType = "arraybuffer";
    ws.onopen = function () {
      retries = 0;
      if (started) notice(null);
      openControl();
      var pending = queue;
      queue = [];
      pending.forEach(function (m) { ws.send(m); });
    };
    ws.onmessage = function (ev) {
      var msg;
      try {
        msg = decode(ev.data);
      } catch (err) {
        console.warn("workbook-light: unreadable message", err);
        return;
      }
      handle(msg);
    };
    ws.onclose = function () {
      clearInterval(asking);
      if (leaving) return;
      if (retries >= RETRY_MS.length) {
        notice("The connection to the workshop server was lost. Your answers so far are saved: reload the page to carry on.", reload);
        return;
      }
      notice("Connection lost. Reconnecting\u2026");
      setTimeout(connect, RETRY_MS[retries++]);
    };
  }

  window.addEventListener("pagehide", function () { leaving = true; });

  // -- widget models ---------------------------------------------------------------------------

  var models = {};
  var control = null;
  var started = false;

  function Model(id, state) {
    this.id = id;
    this.name = state._model_name;
    this.state = state;
    this.view = null;
    this._listeners = {};
    this._dirty = {};
  }
  Model.prototype.get = function (key) { return this.state[key]; };
  Model.prototype.set = function (key, value) {
    this.state[key] = value;
    this._dirty[key] = value;
    this.trigger("change:" + key, value);
    this.trigger("change");
  };
  Model.prototype.save_changes = function () {
    var state = this._dirty;
    this._dirty = {};
    if (Object.keys(state).length) {
      send("comm_msg", { comm_id: this.id, data: { method: "update", state: state, buffer_paths: [] } });
    }
  };
  Model.prototype.send = function (content) {
    send("comm_msg", { comm_id: this.id, data: { method: "custom", content: content } });
  };
  Model.prototype.on = function (event, fn) {
    event.split(" ").forEach(function (e) { (this._listeners[e] = this._listeners[e] || []).push(fn); }, this);
  };
  Model.prototype.off = function (event, fn) {
    var list = this._listeners[event] || [];
    this._listeners[event] = fn ? list.filter(function (f) { return f !== fn; }) : [];
  };
  Model.prototype.trigger = function (event) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this._listeners[event] || []).slice().forEach(function (fn) {
      try {
        fn.apply(null, args);
      } catch (err) {
        console.error("workbook-light:", err);
      }
    });
  };
  Model.prototype.apply = function (state) {
    var changed = false;
    Object.keys(state).forEach(function (key) {
      this.state[key] = state[key];
      this.trigger("change:" + key, state[key]);
      changed = true;
    }, this);
    if (changed) this.trigger("change");
  };

  function putBuffers(state, paths, buffers) {
    (paths || []).forEach(function (path, i) {
      var obj = state;
      for (var k = 0; k < path.length - 1; k++) obj = obj[path[k]];
      obj[path[path.length - 1]] = buffers[i];
    });
  }

  function ref(value) {
    return typeof value === "string" && value.indexOf(REF) === 0 ? models[value.slice(REF.length)] : null;
  }

  function upsert(id, state) {
    if (models[id]) models[id].apply(state);
    else models[id] = new Model(id, state);
    return models[id];
  }

  // The reply comes back on the kernel's broadcast channel (iopub), which can drop what is
  // published in the instant a new connection subscribes; so the request is repeated until the
  // states arrive (answering it twice is harmless).
  var ASK_EVERY_MS = 2000;
  var ASK_TIMES = 15;
  var asking = null;

  function openControl() {
    control = uuid();
    send("comm_open", { comm_id: control, target_name: "jupyter.widget.control", data: {} }, { version: CONTROL_VERSION });
    var asked = 0;
    var ask = function () {
      if (asked === ASK_TIMES) {
        clearInterval(asking);
        notice("The workshop server is not answering. Your answers so far are saved: reload the page to carry on.", reload);
        return;
      }
      if (asked > 0) console.warn("workbook-light: widget states not received yet, asking again");
      asked += 1;
      send("comm_msg", { comm_id: control, data: { method: "request_states" } });
    };
    clearInterval(asking);
    ask();
    asking = setInterval(ask, ASK_EVERY_MS);
  }

  function handle(msg) {
    var type = msg.header && msg.header.msg_type;
    var c = msg.content || {};
    if (type === "status") {
      var mine = msg.parent_header && msg.parent_header.session === session;
      if (mine) document.body.classList.toggle("wb-busy", c.execution_state === "busy");
      return;
    }
    if (type === "comm_open" && c.target_name === "jupyter.widget") {
      var st = c.data.state;
      putBuffers(st, c.data.buffer_paths, msg.buffers);
      upsert(c.comm_id, st);
      return;
    }
    if (type === "comm_close") {
      var gone = models[c.comm_id];
      if (gone && gone.view) gone.view.remove();
      delete models[c.comm_id];
      return;
    }
    if (type !== "comm_msg") return;
    var data = c.data || {};
    if (c.comm_id === control && data.method === "update_states") {
      clearInterval(asking);
      var buffers = msg.buffers || [];
      var byPath = data.buffer_paths || {};
      var offset = 0;
      Object.keys(data.states).forEach(function (id) {
        var st = data.states[id].state;
        var paths = byPath[id] || [];
        putBuffers(st, paths, buffers.slice(offset, offset + paths.length));
        offset += paths.length;
        upsert(id, st);
      });
      if (!started) start();
      return;
    }
    var model = models[c.comm_id];
    if (!model) return;
    if (data.method === "update") {
      putBuffers(data.state, data.buffer_paths, msg.buffers);
      model.apply(data.state);
    } else if (data.method === "custom") {
      model.trigger("msg:custom", data.content, msg.buffers || []);
    }
    // "echo_update" repeats what this page sent; there is only one page per kernel, so it is ignored.
  }

  // -- views -----------------------------------------------------------------------------------

  function cssName(key) { return key.replace(/_/g, "-"); }

  function decorate(model, el) {
    var applied = [];
    function classes() {
      applied.forEach(function (c) { el.classList.remove(c); });
      applied = (model.get("_dom_classes") || []).slice();
      applied.forEach(function (c) { el.classList.add(c); });
    }
    classes();
    model.on("change:_dom_classes", classes);
    var layout = ref(model.get("layout"));
    if (layout) {
      var place = function () {
        Object.keys(layout.state).forEach(function (key) {
          var v = layout.state[key];
          if (key.charAt(0) === "_") return;
          if (v === null || v === undefined || v === "") el.style.removeProperty(cssName(key));
          else el.style.setProperty(cssName(key), String(v));
        });
      };
      place();
      layout.on("change", place);
    }
    var tip = function () {
      if (model.get("tooltip")) el.title = model.get("tooltip");
      else el.removeAttribute("title");
    };
    tip();
    model.on("change:tooltip", tip);
    return el;
  }

  function styleOf(model, key) {
    var style = ref(model.get("style"));
    return style ? style.get(key) : null;
  }

  function described(model, control, cls) {
    var wrap = div("widget-inline-hbox " + cls);
    var label = document.createElement("label");
    label.className = "widget-label";
    var update = function () {
      var text = model.get("description") || "";
      label.textContent = text; // never markup: descriptions are shown as text
      label.hidden = !text;
      var width = styleOf(model, "description_width");
      if (width) label.style.width = width;
    };
    update();
    model.on("change:description", update);
    wrap.appendChild(label);
    wrap.appendChild(control);
    return wrap;
  }

  function box(kind) {
    return function (model) {
      var el = div("widget-box " + kind);
      var kids = function () {
        var views = (model.get("children") || []).map(ref).filter(Boolean).map(view);
        el.replaceChildren.apply(el, views);
      };
      kids();
      model.on("change:children", kids);
      return el;
    };
  }

  function html(model) {
    var content = div("widget-html-content");
    var update = function () { content.innerHTML = model.get("value") || ""; }; // the app's own, escaped HTML
    update();
    model.on("change:value", update);
    return described(model, content, "widget-html");
  }

  function text(model) {
    var input = document.createElement("input");
    input.type = "text";
    input.className = "widget-input";
    var update = function () {
      if (input.value !== (model.get("value") || "")) input.value = model.get("value") || "";
      input.placeholder = model.get("placeholder") || "";
      input.disabled = !!model.get("disabled");
    };
    update();
    model.on("change", update);
    var push = function () {
      if (input.value === model.get("value")) return;
      model.set("value", input.value);
      model.save_changes();
    };
    input.addEventListener("input", function () { if (model.get("continuous_update") !== false) push(); });
    input.addEventListener("change", push);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        push();
        model.send({ event: "submit" });
      }
    });
    return described(model, input, "widget-text");
  }

  function toggleButtons(model) {
    var group = div("widget-toggle-buttons-group");
    group.setAttribute("role", "radiogroup");
    var build = function () {
      var width = styleOf(model, "button_width");
      var buttons = (model.get("_options_labels") || []).map(function (label, i) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "widget-toggle-button";
        b.textContent = label;
        if (width) b.style.width = width;
        var on = model.get("index") === i;
        b.classList.toggle("mod-active", on);
        b.setAttribute("role", "radio");
        b.setAttribute("aria-checked", on ? "true" : "false");
        b.disabled = !!model.get("disabled");
        b.addEventListener("click", function () {
          if (model.get("index") === i) return;
          model.set("index", i);
          model.save_changes();
        });
        return b;
      });
      group.replaceChildren.apply(group, buttons);
    };
    build();
    model.on("change:_options_labels change:index change:disabled", build);
    return described(model, group, "widget-toggle-buttons");
  }

  function button(model) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "widget-button";
    var styled = null; // the "mod-<button_style>" class in place (decorate() owns _dom_classes)
    var update = function () {
      if (styled) b.classList.remove(styled);
      styled = model.get("button_style") ? "mod-" + model.get("button_style") : null;
      if (styled) b.classList.add(styled);
      b.textContent = model.get("description") || "";
      b.disabled = !!model.get("disabled");
      var color = styleOf(model, "button_color");
      if (color) b.style.backgroundColor = color;
      var weight = styleOf(model, "font_weight");
      if (weight) b.style.fontWeight = weight;
    };
    update();
    model.on("change:description change:button_style change:disabled", update);
    b.addEventListener("click", function () { model.send({ event: "click" }); });
    return b;
  }

  function progress(model) {
    var track = div("widget-progress-track");
    var bar = div("widget-progress-bar");
    track.appendChild(bar);
    track.setAttribute("role", "progressbar");
    var update = function () {
      var lo = model.get("min") || 0;
      var hi = model.get("max");
      var v = model.get("value") || 0;
      var pct = hi > lo ? Math.max(0, Math.min(100, (100 * (v - lo)) / (hi - lo))) : 0;
      bar.style.width = pct + "%";
      track.setAttribute("aria-valuemin", lo);
      track.setAttribute("aria-valuemax", hi);
      track.setAttribute("aria-valuenow", v);
      var color = styleOf(model, "bar_color");
      if (color) bar.style.backgroundColor = color;
    };
    update();
    model.on("change:value change:min change:max", update);
    return described(model, track, "widget-progress");
  }

  function anywidget(model) {
    // anywidget's contract: an ES module whose default export has render({ model, el }).
    var el = div("widget-anywidget");
    if (model.get("_css")) {
      var s = document.createElement("style");
      s.textContent = model.get("_css");
      el.appendChild(s);
    }
    var url = URL.createObjectURL(new Blob([model.get("_esm") || ""], { type: "text/javascript" }));
    import(url)
      .then(function (mod) {
        var widget = mod.default;
        return Promise.resolve(typeof widget === "function" ? widget() : widget).then(function (w) {
          return Promise.resolve(w.initialize && w.initialize({ model: model })).then(function () {
            return w.render && w.render({ model: model, el: el });
          });
        });
      })
      .catch(function (err) { console.error("workbook-light: anywidget failed", err); })
      .finally(function () { URL.revokeObjectURL(url); });
    return el;
  }

  function unsupported(model) {
    var d = div("wb-unsupported");
    d.textContent = "This part of the page cannot be shown here (" + model.name + ").";
    console.warn("workbook-light: no view for", model.name);
    return d;
  }

  var VIEWS = {
    VBoxModel: box("widget-vbox"),
    HBoxModel: box("widget-hbox"),
    BoxModel: box(""),
    HTMLModel: html,
    TextModel: text,
    ToggleButtonsModel: toggleButtons,
    ButtonModel: button,
    IntProgressModel: progress,
    FloatProgressModel: progress,
    AnyModel: anywidget
  };

  function view(model) {
    // One view per model: the participant's form displays each widget once.
    if (!model.view) {
      var make = VIEWS[model.name] || unsupported;
      model.view = decorate(model, make(model));
    }
    return model.view;
  }

  // -- the page --------------------------------------------------------------------------------

  function renderOutput(out) {
    var data = out.data || {};
    var widget = data["application/vnd.jupyter.widget-view+json"];
    if (widget && models[widget.model_id]) return view(models[widget.model_id]);
    var node;
    if (out.output_type === "stream") {
      node = document.createElement("pre");
      node.textContent = out.text;
    } else if (out.output_type === "error") {
      node = div("wb-unsupported");
      node.textContent = "Something went wrong while preparing this page. Reload it; if it happens again, tell the facilitator.";
    } else if (data["text/html"] !== undefined) {
      node = div("wb-output-html");
      node.innerHTML = [].concat(data["text/html"]).join("");
    } else if (data["text/plain"] !== undefined) {
      node = document.createElement("pre");
      node.textContent = [].concat(data["text/plain"]).join("");
    }
    return node || null;
  }

  function start() {
    started = true;
    document.querySelectorAll(OUTPUT).forEach(function (script) {
      var node = renderOutput(JSON.parse(script.textContent));
      if (node) script.parentNode.insertBefore(node, script);
    });
    if (loading) loading.remove();
    cells.hidden = false;
    notice(null);
  }

  setTimeout(function () {
    if (!started) notice("The page is taking long to open. If nothing appears soon, reload it.", reload);
  }, 30000);

  if (!cfg.kernelId) {
    // Voila could not start this page's kernel, so the page came without one.
    notice("The workshop server could not open this page. Reload it in a moment.", reload);
    return;
  }
  connect();
})();
