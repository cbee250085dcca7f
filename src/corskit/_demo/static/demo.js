// The corskit demo playground. Plain JavaScript, no dependencies: it sends real fetch()/WebSocket
// requests to the demo API, then asks the API (/explain/log) what it received, answered and why.
"use strict";

const API = document.body.dataset.api;                 // e.g. http://localhost:8000
const ALLOWED_PAGE = document.body.dataset.allowedPage;
const REFUSED_PAGE = document.body.dataset.refusedPage;
const ORIGIN = window.location.origin;
// Judged from the address bar, not from the port: http://127.0.0.1:8080 is another origin than
// http://localhost:8080, and the API allows only the latter.
const ROLE = ORIGIN === ALLOWED_PAGE ? "allowed" : "refused";

const PRESETS = {
  "simple-get": {method: "GET", path: "/", headers: "", body: "", credentials: "same-origin", sender: "here"},
  "preflight-put": {
    method: "PUT", path: "/items/1", headers: "X-Demo-User: ada\nContent-Type: application/json",
    body: '{"name": "corskit"}', credentials: "same-origin", sender: "here",
  },
  "cookie": {method: "GET", path: "/session", headers: "", body: "", credentials: "include", sender: "here"},
  "boom": {method: "GET", path: "/boom", headers: "", body: "", credentials: "same-origin", sender: "here"},
  "exposed": {method: "GET", path: "/exposed", headers: "", body: "", credentials: "same-origin", sender: "here"},
  "websocket": {method: "WEBSOCKET", path: "/ws", headers: "", body: "hello, corskit", credentials: "same-origin", sender: "here"},
  "refused": {method: "GET", path: "/", headers: "", body: "", credentials: "same-origin", sender: "refused"},
};

// Fetch: "CORS-safelisted method" and "CORS-safelisted request-header" (the value rules simplified to
// what this form can send). Anything else makes the browser send a CORS preflight first.
const SAFELISTED_METHODS = ["GET", "HEAD", "POST"];
const SAFELISTED_HEADERS = ["accept", "accept-language", "content-language", "content-type", "range"];
const SAFELISTED_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];
// Fetch: "CORS-safelisted response-header name": what JavaScript may read without Access-Control-Expose-Headers.
const SAFELISTED_RESPONSE = ["cache-control", "content-language", "content-length", "content-type", "expires",
  "last-modified", "pragma"];
// Request headers worth showing first; the rest (user-agent, sec-fetch-*...) sit behind "all headers".
const CORS_REQUEST_HEADERS = ["origin", "access-control-request-method", "access-control-request-headers",
  "cookie", "content-type", "x-demo-user", "upgrade", "sec-websocket-version"];

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function code(text) { return el("code", {}, text); }

function parseHeaders(text) {
  const headers = [];
  const problems = [];
  text.split("\n").forEach((line, index) => {
    if (!line.trim()) return;
    const colon = line.indexOf(":");
    if (colon <= 0) { problems.push(`line ${index + 1} ("${line.trim()}") is not "Name: value"`); return; }
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  });
  return {headers, problems};
}

function engine() {
  const agent = navigator.userAgent;
  if (agent.includes("Firefox/")) return "Firefox";
  if (agent.includes("Chrome/") || agent.includes("Chromium/")) return "Chromium";
  return "WebKit";
}

// Why the browser sends (or skips) a preflight for this request, in the standard's terms.
function preflightReasons(spec) {
  if (spec.method === "WEBSOCKET") return [];
  const reasons = [];
  if (!SAFELISTED_METHODS.includes(spec.method)) {
    reasons.push(`the method ${spec.method} is not one of the simple methods GET, HEAD, POST`);
  }
  for (const [name, value] of spec.headers) {
    const lower = name.toLowerCase();
    if (!SAFELISTED_HEADERS.includes(lower)) {
      reasons.push(`the header ${name} is not a CORS-safelisted request header`);
    } else if (lower === "content-type" && !SAFELISTED_CONTENT_TYPES.includes(value.split(";")[0].trim().toLowerCase())) {
      reasons.push(`Content-Type: ${value} is not one of the three simple types (form, multipart, text/plain)`);
    }
  }
  return reasons;
}

function requestUrl(spec, id) {
  const base = spec.method === "WEBSOCKET" ? API.replace(/^http/, "ws") : API;
  const separator = spec.path.includes("?") ? "&" : "?";
  return `${base}${spec.path}${separator}demo=${id}`;
}

async function runFetch(spec, url) {
  const init = {method: spec.method, headers: spec.headers, credentials: spec.credentials};
  if (spec.body && !["GET", "HEAD"].includes(spec.method)) init.body = spec.body;
  try {
    const response = await fetch(url, init);
    const headers = [];
    response.headers.forEach((value, name) => headers.push([name, value]));
    const body = await response.text();
    return {blocked: false, status: response.status, statusText: response.statusText, headers, body};
  } catch (error) {
    return {blocked: true, error: `${error.name}: ${error.message}`};
  }
}

function runWebSocket(spec, url) {
  return new Promise((resolve) => {
    const messages = [];
    let opened = false;
    let socket;
    const finish = (extra) => resolve({opened, messages, ...extra});
    const timer = setTimeout(() => { try { socket.close(); } catch (e) { /* already closed */ } finish({timeout: true}); }, 5000);
    try {
      socket = new WebSocket(url);
    } catch (error) {
      clearTimeout(timer);
      finish({blocked: true, error: `${error.name}: ${error.message}`});
      return;
    }
    socket.onopen = () => { opened = true; socket.send(spec.body || "hello"); };
    socket.onmessage = (event) => { messages.push(String(event.data)); socket.close(1000, "done"); };
    socket.onclose = (event) => {
      clearTimeout(timer);
      finish({blocked: !opened, closeCode: event.code, error: opened ? null : `WebSocket closed with code ${event.code} before it opened`});
    };
  });
}

async function explainLog(id, replay) {
  let url = `${API}/explain/log?id=${encodeURIComponent(id)}`;
  if (replay) url += `&replay=${encodeURIComponent(JSON.stringify(replay))}`;
  try {
    const response = await fetch(url, {credentials: "omit"});
    return await response.json();
  } catch (error) {
    return {records: [], unreachable: `${error.name}: ${error.message}`};
  }
}

// Runs one request from this page; returns everything the result cards show.
async function runHere(spec) {
  const id = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  const url = requestUrl(spec, id);
  const browser = spec.method === "WEBSOCKET" ? await runWebSocket(spec, url) : await runFetch(spec, url);
  const replay = browser.blocked && spec.method !== "WEBSOCKET"
    ? {url, method: spec.method, headers: spec.headers, credentials: spec.credentials,
      body: ["GET", "HEAD"].includes(spec.method) ? null : (spec.body || null)}
    : null;
  const server = await explainLog(id, replay);
  return {spec, url, origin: ORIGIN, engine: engine(), browser, server};
}

// The "refused origin" sender: the same page, loaded from the refused origin in a hidden iframe, runs the
// request and posts the outcome back. Messages are accepted only from that origin.
let runnerReady = null;
const pending = new Map();

function runner() {
  if (runnerReady) return runnerReady;
  const frame = $("runner");
  runnerReady = new Promise((resolve) => {
    frame.addEventListener("load", () => resolve(frame.contentWindow), {once: true});
    frame.src = `${REFUSED_PAGE}/?runner=1`;
  });
  return runnerReady;
}

async function runFromRefused(spec) {
  const target = await runner();
  const ticket = Math.random().toString(36).slice(2);
  return new Promise((resolve) => {
    pending.set(ticket, resolve);
    target.postMessage({ticket, spec}, REFUSED_PAGE);
  });
}

window.addEventListener("message", async (event) => {
  const data = event.data || {};
  if (event.origin === REFUSED_PAGE && pending.has(data.ticket)) {
    pending.get(data.ticket)(data.outcome);
    pending.delete(data.ticket);
  } else if (ROLE === "refused" && event.origin === ALLOWED_PAGE && data.spec) {
    const outcome = await runHere(data.spec);
    event.source.postMessage({ticket: data.ticket, outcome}, ALLOWED_PAGE);
  }
});

// ---- rendering -------------------------------------------------------------------------------------

function headerTable(caption, headers, highlight) {
  if (!headers.length) return el("p", {class: "muted"}, `${caption}: none`);
  const table = el("table", {class: "headers"}, el("caption", {}, caption));
  const body = el("tbody");
  for (const [name, value] of headers) {
    const row = el("tr", {}, el("th", {scope: "row"}, name), el("td", {}, value));
    if (highlight && highlight(name)) row.className = "hl";
    body.append(row);
  }
  table.append(body);
  return table;
}

function isCorsResponseHeader(name) { return name.toLowerCase().startsWith("access-control-") || name.toLowerCase() === "vary"; }

function verdict(node, ok, text) {
  node.replaceChildren(el("span", {class: "icon", "aria-hidden": "true"}, ok ? "✔" : "✖"), " ", text);
  node.className = `verdict ${ok ? "ok" : "bad"}`;
  node.dataset.verdict = ok ? "read" : "blocked";
}

function renderBrowser(outcome) {
  const {spec, browser, server} = outcome;
  const details = $("browser-details");
  details.replaceChildren();
  const node = $("browser-verdict");
  if (spec.method === "WEBSOCKET") {
    if (browser.opened) {
      verdict(node, true, "Connected: the WebSocket opened and echoed the message");
      details.append(el("p", {}, "Sent ", code(spec.body || "hello"), ", received ", code(browser.messages.join(" | ") || "(nothing)")));
    } else {
      verdict(node, false, `Refused: the WebSocket never opened (close code ${browser.closeCode ?? "none"})`);
      details.append(el("p", {}, "JavaScript only learns that the connection closed; the reason is in the console."));
      details.append(consoleBox(`WebSocket connection to '${outcome.url}' failed: Error during WebSocket handshake: Unexpected response code: 403`,
        "corskit refused the handshake's Origin (see the right-hand card); add the origin to allow_origins.", "Chromium"));
    }
    return;
  }
  if (browser.blocked) {
    verdict(node, false, "Blocked: the page may not read the response");
    details.append(el("p", {}, "fetch() rejected with ", code(browser.error), ". That is all JavaScript learns; the reason goes to the console."));
    if (server.console) details.append(consoleBox(server.console, server.fix, "Chromium"));
    return;
  }
  verdict(node, true, `Read: the page got ${browser.status} ${browser.statusText || ""}`.trim());
  const hidden = serverHeadersHiddenFromJs(outcome);
  details.append(headerTable("Response headers JavaScript can read", browser.headers, (name) => name.toLowerCase() === "x-total-count"));
  if (hidden.length) {
    details.append(el("p", {class: "muted"}, "Sent by the server but hidden from JavaScript (not exposed): ",
      ...hidden.flatMap((name, i) => (i ? [", ", code(name)] : [code(name)]))));
  }
  details.append(el("p", {class: "label"}, "Body"), el("pre", {class: "body"}, browser.body || "(empty)"));
}

function consoleBox(message, fix, wording) {
  const note = engine() === wording ? `${wording}'s console says` : `The console says (in ${wording}'s words; ${engine()} phrases it differently)`;
  return el("div", {class: "console", role: "group", "aria-label": "console message"},
    el("p", {class: "label"}, note),
    el("pre", {id: "console-message"}, message),
    fix ? el("p", {class: "fix"}, el("strong", {}, "Fix: "), fix) : null);
}

function actualRecord(records) { return records.find((r) => r.method !== "OPTIONS") || null; }

function serverHeadersHiddenFromJs(outcome) {
  const actual = actualRecord(outcome.server.records || []);
  if (!actual) return [];
  const readable = new Set(outcome.browser.headers.map(([name]) => name.toLowerCase()));
  return actual.response_headers.map(([name]) => name)
    .filter((name) => !readable.has(name) && !SAFELISTED_RESPONSE.includes(name) && name !== "set-cookie" && !isCorsResponseHeader(name) && name !== "date");
}

function decisionText(record, afterPreflight) {
  const names = {preflight: "Preflight", simple: afterPreflight ? "Actual request, after the preflight" : "Simple request",
    websocket: "WebSocket handshake", "not-cors": "Not a CORS request"};
  const kind = names[record.kind] || record.kind;
  if (record.kind === "not-cors") return `${kind}: corskit adds nothing`;
  return `${kind}: ${record.allowed ? "allowed" : "refused"}`;
}

function renderServer(outcome) {
  const records = outcome.server.records || [];
  const details = $("server-details");
  details.replaceChildren();
  const node = $("server-verdict");
  if (!records.length) {
    verdict(node, false, outcome.server.unreachable ? "The API could not be reached" : "The API received nothing");
    details.append(el("p", {}, outcome.server.unreachable
      ? `Asking the API failed (${outcome.server.unreachable}). Is corskit demo still running?`
      : "The browser refused the request before sending anything."));
    return;
  }
  const refused = records.find((r) => !r.allowed && r.kind !== "not-cors");
  verdict(node, !refused, refused ? `Refused the ${refused.kind === "preflight" ? "preflight" : "origin"}` : "Allowed");
  for (const record of records) {
    const section = el("section", {class: "exchange"});
    section.append(el("h4", {}, `${record.method} ${record.path} → ${record.status ?? "no answer"}`));
    section.append(el("p", {class: `decision ${record.allowed ? "ok" : "bad"}`}, decisionText(record, records[0].method === "OPTIONS" && record !== records[0])));
    const reasons = record.failures.length ? record.failures.map((f) => el("li", {}, code(f.code), " ", f.message))
      : [el("li", {}, allowedReason(record))];
    section.append(el("ul", {class: "reasons"}, ...reasons));
    if (record.error) section.append(el("p", {}, "The endpoint raised ", code(record.error), "; corskit still answered."));
    const interesting = record.request_headers.filter(([name]) => CORS_REQUEST_HEADERS.includes(name) || name.startsWith("x-"));
    section.append(headerTable("Request headers (as received)", interesting.map(([n, v]) => [n, n === "cookie" ? v : v])));
    section.append(headerTable("Response headers (as sent)", record.response_headers, isCorsResponseHeader));
    details.append(section);
  }
  if (records.length === 1 && records[0].method === "OPTIONS") {
    details.append(el("p", {class: "muted"}, `The ${outcome.spec.method} itself was never sent: the browser stops after a refused preflight.`));
  }
}

function allowedReason(record) {
  if (record.kind === "not-cors") return "No Origin header: a same-origin or non-browser request.";
  if (record.path_prefix) return `${record.path_prefix} is open to every origin ("*", without credentials).`;
  const origin = record.origin;
  if (record.kind === "preflight") {
    const headers = record.request_headers.find(([n]) => n === "access-control-request-headers");
    return `${origin} is in allow_origins; allow_methods=["*"] accepts ${record.request_headers.find(([n]) => n === "access-control-request-method")?.[1]}` +
      (headers ? ` and allow_headers=["*"] accepts ${headers[1]}.` : ".");
  }
  if (record.kind === "websocket") return `${origin} is in allow_origins, so the handshake may proceed.`;
  return `${origin} is in allow_origins.`;
}

function maxAge(record) {
  const found = record.response_headers.find(([name]) => name === "access-control-max-age");
  return found ? found[1] : "?";
}

function renderWhy(outcome) {
  const {spec, browser, server} = outcome;
  const items = [];
  const records = server.records || [];
  const refusedOrigin = outcome.origin !== ALLOWED_PAGE;
  const api = new URL(API);
  const page = new URL(outcome.origin);
  const differs = page.port !== api.port ? "port" : page.hostname !== api.hostname ? "host" : "scheme";
  items.push([`Origin. `, `The page's origin is ${outcome.origin} and the API's is ${API}: the ${differs} differs, so they are different origins and the browser applies CORS. `,
    refusedOrigin
      ? `${outcome.origin} is not in the API's allowed origins. The API allows ${ALLOWED_PAGE}, the same host on another port, but a different port is a different origin.`
      : `${outcome.origin} is in the API's list of allowed origins.`]);
  if (spec.method === "WEBSOCKET") {
    items.push(["No preflight. ", "Browsers never preflight a WebSocket and let any page open one: the handshake carries an Origin header and the server must check it. corskit checks it against the same allowed origins and refuses others with 403 (cross-site WebSocket hijacking)."]);
  } else {
    const reasons = preflightReasons(spec);
    const preflight = records.find((r) => r.method === "OPTIONS");
    if (reasons.length) {
      items.push(["Preflighted request. ", `The browser first sent an OPTIONS request (a preflight) with Access-Control-Request-Method${spec.headers.length ? " and Access-Control-Request-Headers" : ""}, because ${reasons.join("; ")}. `,
        preflight ? (preflight.allowed ? "corskit approved it, so the browser sent the real request." : "corskit refused it, so the browser never sent the real request.") : "No preflight reached the server.",
        preflight && preflight.allowed ? ` Access-Control-Max-Age: ${maxAge(preflight)} lets the browser reuse this approval for ${maxAge(preflight)} seconds (max_age, 600 by default) for the same URL.` : ""]);
    } else {
      items.push(["Simple request. ", `${spec.method} with only safelisted headers needs no preflight: the browser sends it at once and decides afterwards whether the page may read the answer. `,
        browser.blocked ? "So the server did receive and run this request; only the response was hidden from the page. CORS protects what a page can read, not the server." : ""]);
    }
  }
  if (!refusedOrigin && !spec.path.startsWith("/explain")) {
    const preflighted = records.some((r) => r.method === "OPTIONS");
    items.push(["Wildcards. ", `The API allows methods ["*"] and headers ["*"] with credentials. A literal "*" in a response is ignored by browsers on credentialed requests, so corskit never answers "*" here: Access-Control-Allow-Origin names the exact origin`,
      preflighted ? ", the preflight's Access-Control-Allow-Methods lists the methods by name and Access-Control-Allow-Headers repeats the requested headers, as the response headers show."
        : " (a preflight would also get the methods listed by name and the requested headers repeated)."]);
  }
  if (spec.credentials === "include") {
    const actual = actualRecord(records);
    const cookie = actual && actual.request_headers.find(([n]) => n === "cookie");
    items.push(["Credentials. ", `credentials: "include" sends cookies to another origin. The page may read the answer only if it carries Access-Control-Allow-Credentials: true and the exact origin (never "*"). `,
      cookie ? `The browser sent the cookie ${cookie[1]}.` : "No cookie was sent this time: the API sets one now; send again to see it come back."]);
  } else {
    items.push(["Credentials. ", `credentials: "${spec.credentials}" sends no cookies to another origin. Use "include" for cookies or Authorization; the server must then allow credentials and name the origin.`]);
  }
  if (spec.path.startsWith("/exposed") && !browser.blocked) {
    items.push(["Exposed headers. ", "Without Access-Control-Expose-Headers, JavaScript reads only the safelisted response headers (Content-Type and a few others). The API exposes X-Total-Count, so the page can read it; X-Internal-Trace was sent too but stays hidden."]);
  }
  if (spec.path.startsWith("/boom")) {
    items.push(["Errors. ", "The endpoint raised, and corskit still put the CORS headers on the 500, so the page sees the real server error instead of a misleading CORS failure."]);
  }
  $("why-list").replaceChildren(...items.map(([term, ...text]) => el("li", {}, el("strong", {}, term), ...text)));
}

function render(outcome) {
  $("columns").hidden = false;
  $("why-card").hidden = false;
  const target = outcome.url;
  $("status-line").replaceChildren(
    code(`${outcome.spec.method === "WEBSOCKET" ? "WebSocket" : outcome.spec.method} ${target.replace(/[?&]demo=[a-z0-9]+$/, "")}`),
    " from ", code(outcome.origin), outcome.spec.credentials === "include" ? " with credentials" : "",
    ` — done (in ${outcome.engine}).`);
  renderBrowser(outcome);
  renderServer(outcome);
  renderWhy(outcome);
  document.body.dataset.lastRun = String(Date.now());
  lastOutcome = outcome;
}

let lastOutcome = null;

// What a run showed, in a few fields (for ?report=1).
function summary(name) {
  const o = lastOutcome;
  return {
    preset: name,
    browser: $("browser-verdict").dataset.verdict,
    server: $("server-verdict").dataset.verdict,
    status: o.browser.status ?? null,
    body: o.browser.body ?? (o.browser.messages || []).join(" | "),
    readable_headers: (o.browser.headers || []).map(([name]) => name),
    console: document.getElementById("console-message")?.textContent ?? null,
    exchanges: (o.server.records || []).map((r) => `${r.method} ${r.status} ${r.kind} ${r.allowed ? "allowed" : "refused"}`),
    engine: o.engine,
  };
}

// ?run=simple-get,refused runs those presets in order when the page opens (a link can share a preset);
// with &report=1 the page then POSTs what it showed to /report on its own origin, for automated runs.
async function autorun(names, report) {
  const results = [];
  for (const name of names) {
    if (!PRESETS[name]) continue;
    const preset = {...PRESETS[name]};
    if (ROLE !== "allowed") preset.sender = "here";
    fillForm(preset);
    await send();
    results.push(summary(name));
  }
  if (report) {
    await fetch("/report", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(results)});
  }
}

// ---- the form ----------------------------------------------------------------------------------

function readForm() {
  const {headers, problems} = parseHeaders($("headers").value);
  const path = $("path").value.trim();
  if (!path.startsWith("/")) problems.push('the path must start with "/"');
  return {
    spec: {method: $("method").value, path, headers, body: $("body").value, credentials: $("credentials").value},
    sender: $("sender").value, problems,
  };
}

function fillForm(preset) {
  $("method").value = preset.method;
  $("path").value = preset.path;
  $("headers").value = preset.headers;
  $("body").value = preset.body;
  $("credentials").value = preset.credentials;
  $("sender").value = preset.sender;
}

let busy = false;
async function send() {
  if (busy) return;
  const {spec, sender, problems} = readForm();
  const error = $("form-error");
  error.hidden = !problems.length;
  error.textContent = problems.length ? `Cannot send: ${problems.join("; ")}.` : "";
  if (problems.length) return;
  busy = true;
  $("send").disabled = true;
  document.body.dataset.running = "1";
  $("status-line").textContent = "Sending…";
  try {
    render(sender === "refused" && ROLE !== "refused" ? await runFromRefused(spec) : await runHere(spec));
  } finally {
    busy = false;
    $("send").disabled = false;
    delete document.body.dataset.running;
  }
}

function setUp() {
  $("page-origin").textContent = ORIGIN;
  const badge = $("role-badge");
  const allowed = ROLE === "allowed";
  badge.textContent = allowed ? "an allowed origin" : "NOT an allowed origin";
  badge.className = `badge ${allowed ? "ok" : "bad"}`;
  const other = $("other-page");
  other.href = allowed ? REFUSED_PAGE + "/" : ALLOWED_PAGE + "/";
  other.textContent = allowed ? `Open the same page on a refused origin (${REFUSED_PAGE})` : `Back to the allowed page (${ALLOWED_PAGE})`;
  if (!allowed) $("sender-field").hidden = true;  // this page is the refused origin already
  $("request-form").addEventListener("submit", (event) => { event.preventDefault(); send(); });
  for (const button of document.querySelectorAll(".preset")) {
    button.addEventListener("click", () => {
      const preset = {...PRESETS[button.dataset.preset]};
      if (!allowed) preset.sender = "here";
      fillForm(preset);
      send();
    });
  }
  document.body.dataset.ready = "1";
  const query = new URLSearchParams(window.location.search);
  if (query.get("run")) autorun(query.get("run").split(","), query.has("report"));
}

if (new URLSearchParams(window.location.search).has("runner")) {
  document.body.dataset.ready = "1";  // inside the allowed page's iframe: only answers its messages
} else {
  setUp();
}
