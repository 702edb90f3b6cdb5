// imgworker devtool page: pick/upload a source, edit the request, run it, look at the renditions.
// Talks only to this service's JSON API (/api/...). No build step, no dependencies.
"use strict";

const $ = (sel) => document.querySelector(sel);
const STORAGE_KEY = "imgworker.devtool.request";
const state = { params: new Map(), sources: [] };

// ---------- small helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function bytes(n) {
  if (!Number.isFinite(n)) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

function ms(n) {
  return Number.isFinite(n) ? `${Math.round(n)} ms` : "";
}

// JSON with one rendition per line: readable and short.
function pretty(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return JSON.stringify(value, null, 2);
  const compact = (v) => JSON.stringify(v).replace(/":/g, '": ').replace(/,"/g, ', "');
  const lines = Object.entries(value).map(([k, v]) => {
    if (Array.isArray(v) && v.length && v.every((x) => x && typeof x === "object")) {
      return `  ${JSON.stringify(k)}: [\n${v.map((x) => "    " + compact(x)).join(",\n")}\n  ]`;
    }
    return `  ${JSON.stringify(k)}: ${compact(v)}`;
  });
  return `{\n${lines.join(",\n")}\n}`;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (!response.ok) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    const err = new Error(message);
    err.status = response.status;
    throw err;
  }
  return body;
}

function showError(message, status) {
  const box = $("#error");
  box.replaceChildren(el("strong", { text: status ? `Error ${status}: ` : "Error: " }), message);
  box.hidden = false;
}

function clearResults(note) {
  $("#results").replaceChildren(el("p", { class: "empty muted", text: note }));
  $("#summary").textContent = "";
  $("#events").textContent = "";
  $("#events-count").textContent = "";
}

function clearError() {
  $("#error").hidden = true;
  $("#error").textContent = "";
}

function setStatus(text, kind = "") {
  const s = $("#status");
  s.textContent = text;
  s.className = `status ${kind}`;
}

// ---------- request editor ----------

function parseRequest() {
  try {
    return { value: JSON.parse($("#request").value) };
  } catch (e) {
    return { error: e.message };
  }
}

function exampleRequest(source) {
  return {
    source: source || "chelsea.png",
    renditions: [
      { name: "thumbnail.jpg", fmt: "jpg", imgix: { w: 320, h: 200, fit: "crop", crop: "entropy" } },
      { name: "square.webp", fmt: "webp", imgix: { w: 160, h: 160, fit: "crop", crop: "faces,entropy", q: 70 } },
    ],
  };
}

function setRequest(obj) {
  $("#request").value = pretty(obj);
  onRequestEdited();
}

function onRequestEdited() {
  const parsed = parseRequest();
  const status = $("#json-status");
  if (parsed.error) {
    status.textContent = `Not valid JSON: ${parsed.error}`;
    status.className = "hint bad";
  } else {
    const n = Array.isArray(parsed.value.renditions) ? parsed.value.renditions.length : 0;
    status.textContent = `Valid JSON · ${n} rendition${n === 1 ? "" : "s"}`;
    status.className = "hint good";
    fillRenditionTargets(parsed.value);
  }
  localStorage.setItem(STORAGE_KEY, $("#request").value);
}

function fillRenditionTargets(request) {
  const select = $("#param-target");
  const previous = select.value;
  const renditions = Array.isArray(request.renditions) ? request.renditions : [];
  select.replaceChildren(
    ...renditions.map((r, i) => el("option", { value: String(i), text: `#${i} ${(r && r.name) || ""}`.trim() })),
  );
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

// ---------- sources ----------

async function loadSources(selectName) {
  state.sources = await api("/api/sources");
  const select = $("#source-select");
  const groups = { upload: el("optgroup", { label: "Uploaded" }), example: el("optgroup", { label: "Examples" }) };
  for (const s of state.sources) {
    const dims = s.width ? ` · ${s.width}×${s.height}` : "";
    groups[s.origin].append(el("option", { value: s.name, text: `${s.name}${dims}` }));
  }
  select.replaceChildren(...Object.values(groups).filter((g) => g.children.length));
  const parsed = parseRequest();
  const current = selectName || (parsed.value && typeof parsed.value.source === "string" ? parsed.value.source : "");
  if (state.sources.some((s) => s.name === current)) select.value = current;
}

function useSource(name) {
  const parsed = parseRequest();
  if (parsed.value && typeof parsed.value === "object" && !Array.isArray(parsed.value)) {
    parsed.value.source = name;
    setRequest(parsed.value);
  } else {
    setRequest(exampleRequest(name));
  }
}

async function upload(file) {
  if (!file) return;
  clearError();
  setStatus(`uploading ${file.name}…`, "busy");
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const saved = await api("/api/sources", { method: "POST", body: form });
    await loadSources(saved.name);
    useSource(saved.name);
    const dims = saved.width ? `${saved.width}×${saved.height}, ` : "";
    setStatus(`uploaded ${saved.name} (${dims}${bytes(saved.size)})`, "good");
  } catch (e) {
    setStatus("");
    showError(`upload failed: ${e.message}`);
  }
}

// ---------- imgix parameter helper ----------

async function loadParams() {
  const rows = await api("/api/params");
  const list = $("#param-list");
  for (const p of rows) {
    state.params.set(p.name, p);
    for (const a of p.aliases) state.params.set(a, p);
    const mark = p.implemented ? "" : " (not rendered here)";
    list.append(el("option", { value: p.name, label: `${p.category} · ${p.type}${mark}` }));
  }
}

function showParamInfo() {
  const box = $("#param-info");
  const name = $("#param-name").value.trim();
  const p = state.params.get(name);
  if (!p) {
    box.replaceChildren(name ? `No imgix parameter named “${name}”.` : "Type a parameter name: its type, range and default appear here.");
    box.className = name ? "param-info hint bad" : "param-info hint";
    return;
  }
  box.className = "param-info";
  box.replaceChildren(
    el("div", { class: "row tight" },
      el("code", { class: "pname", text: p.name }),
      el("span", { class: "tag", text: p.category }),
      el("span", { class: p.implemented ? "tag good" : "tag warn", text: p.implemented ? "implemented" : "not rendered by the embedded renderer" }),
      el("a", { href: p.doc, target: "_blank", rel: "noopener", text: "imgix docs" })),
    el("dl", {},
      el("dt", { text: "type / range" }), el("dd", {}, el("code", { text: p.type })),
      el("dt", { text: "default" }), el("dd", { text: p.default === null ? "none" : p.default }),
      p.aliases.length ? [el("dt", { text: "aliases" }), el("dd", { text: p.aliases.join(", ") })] : null),
  );
}

function coerce(text) {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

function addParam() {
  clearError();
  const name = $("#param-name").value.trim();
  const value = $("#param-value").value.trim();
  if (!name) return showError("type an imgix parameter name first");
  const parsed = parseRequest();
  if (parsed.error) return showError(`the request is not valid JSON: ${parsed.error}`);
  const request = parsed.value;
  const index = Number($("#param-target").value || 0);
  if (!Array.isArray(request.renditions) || !request.renditions[index]) {
    return showError("the request has no rendition to add the parameter to");
  }
  const rendition = request.renditions[index];
  let imgix = rendition.imgix || {};
  if (typeof imgix === "string") {
    const text = imgix.trim();
    imgix = text.startsWith("{") ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text));
  }
  imgix[name] = coerce(value);
  rendition.imgix = imgix;
  setRequest(request);
  $("#param-value").value = "";
}

// ---------- plan view ----------

function planRow(kind, name, value, effect, title) {
  return el("tr", { class: kind, title: title || null },
    el("td", {}, el("code", { text: name })), el("td", { text: value, title: value || null }), el("td", { text: effect }));
}

function planTable(plan) {
  if (plan.error) return el("p", { class: "bad" }, `The renderer refuses this URL (400): ${plan.error}`);
  const rows = [
    ...plan.used.map((p) => planRow("used", p.given, p.value, "used", p.category)),
    ...plan.unimplemented.map((p) => planRow("ignored", p.name, p.value, "ignored: not implemented here", p.category)),
    ...plan.fallback.map((p) => planRow("fallback", p.name, p.value,
      `fell back to ${p.default === null ? "no value" : JSON.stringify(p.default)}: ${p.reason}`)),
    ...plan.unknown.map((k) => planRow("unknown", k, "", "ignored: not an imgix parameter")),
  ];
  const sig = { valid: "signature valid", invalid: "signature INVALID (403)", missing: "no signature `s` (403 when the source is secured)", unchecked: "signature not checked" }[plan.signature];
  return el("div", { class: "plan" },
    el("p", { class: "muted" }, plan.path ? el("code", { text: plan.path }) : "query only", " · ", sig,
      plan.passthrough ? " · no parameters: the original bytes are served" : ""),
    rows.length ? el("table", {}, el("thead", {}, el("tr", {}, ["parameter", "value", "effect"].map((h) => el("th", { text: h })))),
      el("tbody", {}, rows)) : null);
}

async function fetchPlan(target) {
  const q = target.startsWith("/") || target.includes("://") ? `url=${encodeURIComponent(target)}` : `query=${encodeURIComponent(target)}`;
  return api(`/api/plan?${q}`);
}

// ---------- results ----------

function sourceCard(source) {
  const img = source.url ? el("img", { src: `${source.url}?t=${Date.now()}`, alt: source.name, class: "thumb" }) : el("div", { class: "thumb none", text: "remote source" });
  const facts = [source.format, source.width ? `${source.width}×${source.height}` : "", bytes(source.size)].filter(Boolean);
  return el("article", { class: "card source" },
    el("div", { class: "frame" }, img),
    el("h3", {}, el("span", { class: "badge", text: "source" }), " ", source.name),
    el("p", { class: "facts" }, facts.join(" · ")));
}

function renditionCard(r) {
  const head = el("h3", {}, el("span", { class: r.ok ? "badge good" : "badge bad", text: r.ok ? "created" : "failed" }), " ", r.name);
  const body = [];
  if (r.ok && r.url) {
    body.push(el("div", { class: "frame" },
      el("img", { src: r.url, alt: r.name, class: "rendition-img", "data-index": String(r.index),
        "data-width": String(r.width), "data-height": String(r.height) })));
  } else if (r.ok) {
    body.push(el("div", { class: "frame none", text: `delivered to ${r.target || "its target"}` }));
  }
  if (r.ok) {
    body.push(el("p", { class: "facts" },
      [r.format, `${r.width}×${r.height}`, bytes(r.size), ms(r.ms)].filter(Boolean).join(" · ")));
  } else {
    body.push(el("p", { class: "failure" }, el("strong", { text: r.reason || "GenericError" }), `: ${r.message || "no message"}`));
  }
  const links = el("p", { class: "links" });
  if (r.url) links.append(el("a", { href: r.url, target: "_blank", rel: "noopener", text: "open" }));
  if (r.download) links.append(el("a", { href: r.download, class: "download", text: "download" }));
  if (r.renderUrl) links.append(el("a", { href: r.renderUrl, target: "_blank", rel: "noopener", text: "renderer URL" }));
  const planBox = el("div", { class: "plan-inline" });
  if (r.renderUrl || r.query) {
    links.append(el("button", { type: "button", class: "link", onclick: async (ev) => {
      if (planBox.childElementCount) { planBox.replaceChildren(); ev.target.textContent = "plan"; return; }
      try {
        planBox.replaceChildren(planTable(await fetchPlan(r.renderUrl || r.query)));
        ev.target.textContent = "hide plan";
      } catch (e) { showError(`plan failed: ${e.message}`); }
    }, text: "plan" }));
  }
  return el("article", { class: r.ok ? "card" : "card failed", "data-name": r.name }, head, ...body, links, planBox);
}

function showResult(result) {
  const cards = [sourceCard(result.source), ...result.renditions.map(renditionCard)];
  $("#results").replaceChildren(...cards);
  const made = result.renditions.length - result.failed;
  const t = result.timings || {};
  $("#summary").textContent = `${made} created, ${result.failed} failed · ${ms(t.totalMs)} (queue ${ms(t.queueMs)})`;
  $("#events").textContent = result.events.map((e) => JSON.stringify(e, null, 2)).join("\n");
  $("#events-count").textContent = `(${result.events.length})`;
}

async function run() {
  clearError();
  const parsed = parseRequest();
  if (parsed.error) {
    clearResults("No renditions: fix the request JSON first.");
    showError(`the request is not valid JSON: ${parsed.error}`);
    return;
  }
  const button = $("#run");
  button.disabled = true;
  setStatus("running…", "busy");
  const started = performance.now();
  try {
    const result = await api("/api/process", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ request: parsed.value }),
    });
    showResult(result);
    const failed = result.failed ? `, ${result.failed} failed` : "";
    setStatus(`done in ${ms(performance.now() - started)}${failed}`, result.failed ? "bad" : "good");
  } catch (e) {
    setStatus("");
    clearResults("No renditions: the service refused the request (see the error above).");
    showError(e.message, e.status);
  } finally {
    button.disabled = false;
  }
}

// ---------- start ----------

async function start() {
  $("#request").addEventListener("input", onRequestEdited);
  $("#request").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  $("#run").addEventListener("click", run);
  $("#format").addEventListener("click", () => {
    const parsed = parseRequest();
    if (parsed.error) showError(`the request is not valid JSON: ${parsed.error}`);
    else setRequest(parsed.value);
  });
  $("#reset").addEventListener("click", () => setRequest(exampleRequest($("#source-select").value)));
  $("#source-select").addEventListener("change", (e) => useSource(e.target.value));
  $("#upload").addEventListener("change", (e) => upload(e.target.files[0]));
  const drop = $("#dropzone");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload(e.dataTransfer.files[0]); });
  $("#param-name").addEventListener("input", showParamInfo);
  $("#param-add").addEventListener("click", addParam);
  $("#param-value").addEventListener("keydown", (e) => { if (e.key === "Enter") addParam(); });
  $("#plan-run").addEventListener("click", async () => {
    try { $("#plan-out").replaceChildren(planTable(await fetchPlan($("#plan-url").value.trim()))); } catch (e) { showError(`plan failed: ${e.message}`); }
  });

  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved) { $("#request").value = saved; onRequestEdited(); } else setRequest(exampleRequest());
  try {
    const [info] = await Promise.all([api("/api/info"), loadParams(), loadSources()]);
    $("#info").textContent = `v${info.version} · renderer: ${info.renderer} · token: ${info.token}`;
    const parsed = parseRequest();
    if (!saved && state.sources.length && !state.sources.some((s) => parsed.value && s.name === parsed.value.source)) {
      useSource(state.sources[0].name);
    }
    document.body.dataset.ready = "true";
  } catch (e) {
    showError(`cannot reach the service: ${e.message}`);
  }
}

start();
