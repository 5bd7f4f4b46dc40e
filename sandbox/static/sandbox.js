// The sandbox page: draws what the chosen person sees in the local Slack workspace and sends what they do.
// Safety rule: text from messages, jobs and people only ever reaches the page through textContent or text
// nodes, never innerHTML; links are followed only for http(s) and mailto URLs.
"use strict";

const page = {
  me: new URLSearchParams(location.search).get("as") || "U0ALICE",
  where: { kind: "channel", id: "C0OPS" },
  thread: null,
  data: null,
  modalKey: null,
  fetching: false,
  stale: false,
};

// ---------- small DOM helpers (no innerHTML anywhere) ----------

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };
const decode = (s) => s.replace(/&(lt|gt|amp);/g, (m) => ENTITIES[m]);

const EMOJI = {
  white_check_mark: "\u2705", x: "\u274c", no_entry_sign: "\ud83d\udeab", warning: "\u26a0\ufe0f",
  large_green_circle: "\ud83d\udfe2", large_yellow_circle: "\ud83d\udfe1", red_circle: "\ud83d\udd34",
  hourglass_flowing_sand: "\u23f3", hourglass: "\u231b", double_vertical_bar: "\u23f8\ufe0f", tada: "\ud83c\udf89",
  scissors: "\u2702\ufe0f", rotating_light: "\ud83d\udea8", repeat: "\ud83d\udd01", raising_hand: "\ud83d\ude4b",
  octagonal_sign: "\ud83d\uded1", no_entry: "\u26d4", ghost: "\ud83d\udc7b", fast_forward: "\u23e9",
  alarm_clock: "\u23f0", arrows_counterclockwise: "\ud83d\udd04", information_source: "\u2139\ufe0f",
  clipboard: "\ud83d\udccb", wrench: "\ud83d\udd27", gear: "\u2699\ufe0f", calendar: "\ud83d\udcc5",
};
const emojify = (s) => s.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);

function person(id) {
  return (page.data && page.data.people.find((p) => p.id === id)) || null;
}

// ---------- mrkdwn ----------

const INLINE = new RegExp(
  [
    "`([^`\\n]+)`",
    "<([^<>\\n]+)>",
    "(?<![\\p{L}\\p{N}*])\\*(?!\\s)([^*\\n]+?)\\*(?![\\p{L}\\p{N}*])",
    "(?<![\\p{L}\\p{N}_])_(?!\\s)([^_\\n]+?)_(?![\\p{L}\\p{N}_])",
    "(?<![\\p{L}\\p{N}~])~(?!\\s)([^~\\n]+?)~(?![\\p{L}\\p{N}~])",
  ].join("|"),
  "gu",
);

function mrkdwn(source) {
  const root = el("span", { class: "mrkdwn" });
  source.split(/```/).forEach((part, index) => {
    if (index % 2 === 1) {
      root.append(el("pre", { text: decode(part.replace(/^\n/, "")) }));
      return;
    }
    const lines = part.split("\n");
    lines.forEach((line, i) => {
      const quote = line.match(/^(?:&gt;|>) ?(.*)$/);
      if (quote) {
        root.append(el("blockquote", {}, inline(quote[1])));
        return;
      }
      root.append(inline(line));
      if (i < lines.length - 1) root.append(el("br"));
    });
  });
  return root;
}

function inline(source) {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const match of source.matchAll(INLINE)) {
    out.append(document.createTextNode(emojify(decode(source.slice(last, match.index)))));
    const [, code, angle, bold, italic, strike] = match;
    if (code !== undefined) out.append(el("code", { text: decode(code) }));
    else if (angle !== undefined) out.append(special(angle));
    else if (bold !== undefined) out.append(el("b", {}, inline(bold)));
    else if (italic !== undefined) out.append(el("i", {}, inline(italic)));
    else out.append(el("s", {}, inline(strike)));
    last = match.index + match[0].length;
  }
  out.append(document.createTextNode(emojify(decode(source.slice(last)))));
  return out;
}

function special(content) {
  const bar = content.indexOf("|");
  const target = bar < 0 ? content : content.slice(0, bar);
  const label = bar < 0 ? "" : content.slice(bar + 1);
  if (target.startsWith("@")) {
    const who = person(target.slice(1));
    return el("span", { class: "mention", text: "@" + (who ? who.name : decode(label || target.slice(1))) });
  }
  if (target.startsWith("#")) {
    const channel = page.data && page.data.channels.find((c) => c.id === target.slice(1));
    return el("span", { class: "mention", text: "#" + (channel ? channel.name : decode(label || target.slice(1))) });
  }
  if (target.startsWith("!date^")) return dateText(target, decode(label));
  if (/^!(here|channel|everyone)$/.test(target)) return el("span", { class: "mention", text: "@" + target.slice(1) });
  if (/^(https?:|mailto:)/i.test(target)) {
    return el("a", { href: target, target: "_blank", rel: "noopener noreferrer", text: decode(label || target) });
  }
  return document.createTextNode(decode(label || target));
}

function dateText(target, fallback) {
  const [, seconds, format] = target.split("^");
  const when = new Date(Number(seconds) * 1000);
  if (!Number.isFinite(when.getTime()) || !format) return document.createTextNode(fallback);
  const day = (options) => when.toLocaleDateString("en-US", options);
  const pretty = (plain) => {
    const today = new Date();
    const diff = Math.round((new Date(when).setHours(0, 0, 0, 0) - today.setHours(0, 0, 0, 0)) / 86400000);
    return { 0: "today", "-1": "yesterday", 1: "tomorrow" }[diff] || plain;
  };
  const parts = {
    date_num: when.toISOString().slice(0, 10),
    date: day({ month: "long", day: "numeric", year: "numeric" }),
    date_short: day({ month: "short", day: "numeric", year: "numeric" }),
    date_long: day({ weekday: "long", month: "long", day: "numeric", year: "numeric" }),
    time: when.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" }),
    time_secs: when.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", second: "2-digit" }),
  };
  parts.date_pretty = pretty(parts.date);
  parts.date_short_pretty = pretty(parts.date_short);
  parts.date_long_pretty = pretty(parts.date_long);
  const shown = format.replace(/\{(\w+)\}/g, (m, name) => parts[name] || m);
  return el("time", { datetime: when.toISOString(), title: fallback, text: shown });
}

function textObject(object) {
  if (!object) return el("span");
  if (object.type === "mrkdwn") return mrkdwn(String(object.text || ""));
  const text = String(object.text || "");
  return el("span", { text: object.emoji === false ? text : emojify(text) });
}

// ---------- Block Kit ----------

function blocksView(blocks, surface) {
  return el("div", { class: "blocks" }, (blocks || []).map((block) => blockView(block, surface)));
}

function blockView(block, surface) {
  switch (block.type) {
    case "header":
      return el("div", { class: "block block-header", role: "heading", "aria-level": 3 }, textObject(block.text));
    case "section":
      return el(
        "div",
        { class: "block block-section" },
        el(
          "div",
          { class: "section-main" },
          block.text ? textObject(block.text) : null,
          block.fields ? el("div", { class: "fields" }, block.fields.map((f) => el("div", {}, textObject(f)))) : null,
        ),
        block.accessory ? elementView(block.accessory, block, surface) : null,
      );
    case "context":
      return el(
        "div",
        { class: "block block-context" },
        (block.elements || []).map((e) => (e.type === "image" ? el("span", { text: e.alt_text || "" }) : textObject(e))),
      );
    case "divider":
      return el("hr", { class: "block-divider" });
    case "actions":
      return el("div", { class: "block block-actions" }, (block.elements || []).map((e) => elementView(e, block, surface)));
    case "input":
      return inputView(block);
    case "image":
      return el("div", { class: "block", text: block.alt_text || "" });
    default:
      return el("div", { class: "block block-context", text: `(a ${block.type} block the sandbox does not draw)` });
  }
}

function elementView(element, block, surface) {
  if (element.type === "button") {
    const classes = ["sk-button", element.style || ""].join(" ").trim();
    return el("button", {
      type: "button",
      class: classes,
      onclick: (event) => press(event.currentTarget, element, block, surface),
    }, textObject(element.text));
  }
  if (element.type === "static_select" || element.type === "overflow") {
    const select = el("select", { "aria-label": element.placeholder ? element.placeholder.text : element.action_id },
      el("option", { value: "", text: element.placeholder ? element.placeholder.text : "Choose…" }),
      optionsOf(element).map((o) => el("option", { value: o.value, text: o.text.text })));
    select.addEventListener("change", () => act(element, block, surface, select.value));
    return select;
  }
  return el("span", { class: "block-context", text: `(${element.type})` });
}

function optionsOf(element) {
  const groups = (element.option_groups || []).flatMap((g) => g.options || []);
  return [...(element.options || []), ...groups];
}

async function press(button, element, block, surface) {
  if (element.url && /^https?:/i.test(element.url)) window.open(element.url, "_blank", "noopener");
  if (element.confirm && !(await confirmDialog(element.confirm))) return;
  button.disabled = true;
  await act(element, block, surface, element.value);
  button.disabled = false;
}

function act(element, block, surface, value) {
  const common = { user: page.me, action_id: element.action_id, value: value === undefined ? null : value };
  if (surface.kind === "message") {
    return send("click", { ...common, channel: surface.message.channel, ts: surface.message.ts, block_id: block.block_id || null });
  }
  return send("view-click", { ...common, view_id: surface.viewId });
}

function confirmDialog(confirm) {
  const dialog = document.getElementById("confirm");
  dialog.replaceChildren(
    el("h2", {}, textObject(confirm.title)),
    el("div", { class: "confirm-text" }, textObject(confirm.text)),
    el("form", { method: "dialog", class: "modal-footer" },
      el("button", { class: "sk-button", value: "deny" }, textObject(confirm.deny || { type: "plain_text", text: "Cancel" })),
      el("button", { class: `sk-button ${confirm.style === "danger" ? "danger filled" : "primary"}`, value: "confirm" },
        textObject(confirm.confirm || { type: "plain_text", text: "Yes" }))),
  );
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

// ---------- modals ----------

function inputView(block) {
  const element = block.element || {};
  const id = `input-${block.block_id}`;
  let control;
  if (element.type === "static_select") {
    const initial = element.initial_option ? element.initial_option.value : "";
    control = el("select", { id }, el("option", { value: "", text: "Choose an option" }),
      optionsOf(element).map((o) => el("option", { value: o.value, text: o.text.text, selected: o.value === initial })));
  } else if (element.type === "plain_text_input" && element.multiline) {
    control = el("textarea", { id, rows: 4, maxlength: element.max_length });
    control.value = element.initial_value || "";
  } else {
    const number = element.type === "number_input";
    control = el("input", { id, type: number ? "number" : "text", maxlength: element.max_length,
      min: number ? element.min_value : null, max: number ? element.max_value : null,
      placeholder: element.placeholder ? element.placeholder.text : null });
    control.value = element.initial_value || "";
  }
  control.dataset.blockId = block.block_id;
  control.dataset.actionId = element.action_id;
  control.dataset.type = element.type;
  return el("div", { class: "input-block", "data-block-id": block.block_id },
    el("label", { for: id }, textObject(block.label), block.optional ? el("span", { class: "optional", text: " (optional)" }) : null),
    control,
    block.hint ? el("div", { class: "input-hint" }, textObject(block.hint)) : null,
    el("div", { class: "input-error", role: "alert" }));
}

function formValues(form) {
  const values = {};
  for (const control of form.querySelectorAll("[data-block-id][data-action-id]")) {
    const { blockId, actionId, type } = control.dataset;
    let state;
    if (type === "static_select") {
      const option = control.selectedOptions[0];
      state = { type, selected_option: control.value ? { text: { type: "plain_text", text: option.text }, value: control.value } : null };
    } else {
      state = { type, value: control.value === "" ? null : control.value };
    }
    values[blockId] = { [actionId]: state };
  }
  return values;
}

function drawModal(modal) {
  const layer = document.getElementById("modal-layer");
  if (!modal) {
    layer.hidden = true;
    layer.replaceChildren();
    page.modalKey = null;
    return;
  }
  const key = `${modal.id}:${modal.hash}`;
  if (key !== page.modalKey) {
    page.modalKey = key;
    const view = modal.view;
    const title = view.title ? view.title.text : "";
    const form = el("form", { class: "modal", role: "dialog", "aria-label": title },
      el("h2", { class: "modal-title", text: title }),
      el("div", { class: "modal-body" }, (view.blocks || []).map((b) => blockView(b, { kind: "view", viewId: modal.id }))),
      el("div", { class: "modal-footer" },
        el("button", { type: "button", class: "sk-button", onclick: () => send("close", { user: page.me, view_id: modal.id }) },
          textObject(view.close || { type: "plain_text", text: "Cancel" })),
        view.submit ? el("button", { type: "submit", class: "sk-button primary" }, textObject(view.submit)) : null));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send("submit", { user: page.me, view_id: modal.id, values: formValues(form) });
    });
    layer.replaceChildren(form);
    layer.hidden = false;
  }
  for (const block of layer.querySelectorAll(".input-block")) {
    const error = (modal.errors || {})[block.dataset.blockId] || "";
    block.classList.toggle("invalid", Boolean(error));
    block.querySelector(".input-error").textContent = error;
  }
}

// ---------- messages ----------

function messageView(message, inThread) {
  const who = message.bot ? "schedops" : message.author;
  const time = new Date(Number(message.ts) * 1000).toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" });
  const body = message.blocks && message.blocks.length
    ? blocksView(message.blocks, { kind: "message", message })
    : el("div", { class: "block" }, mrkdwn(message.text || ""));
  return el("article", { class: `message${message.ephemeral ? " ephemeral" : ""}`, "data-ts": message.ts },
    el("div", { class: `avatar${message.bot ? " bot" : ""}`, text: who.slice(0, 1).toUpperCase() }),
    el("div", { class: "message-body" },
      message.ephemeral ? el("div", { class: "only-you", text: "Only visible to you" }) : null,
      el("div", { class: "message-meta" },
        el("span", { class: "author", text: who }),
        message.bot ? el("span", { class: "app-badge", text: "APP" }) : null,
        el("span", { text: time }),
        message.edited ? el("span", { class: "edited", text: "(edited)" }) : null),
      body,
      !inThread && message.replies && message.replies.length
        ? el("button", { type: "button", class: "replies-link", onclick: () => openThread(message.ts) },
          `${message.replies.length} ${message.replies.length === 1 ? "reply" : "replies"}`)
        : null));
}

function conversation() {
  const data = page.data;
  if (page.where.kind === "dm") return data.dm;
  return data.channels.find((c) => c.id === page.where.id) || data.channels[0];
}

function drawTimeline() {
  const timeline = document.getElementById("timeline");
  const home = document.getElementById("home");
  const composer = document.getElementById("composer");
  const onHome = page.where.kind === "home";
  timeline.hidden = onHome;
  home.hidden = !onHome;
  composer.hidden = onHome;
  if (onHome) {
    document.getElementById("conversation-title").textContent = "schedops";
    document.getElementById("conversation-note").textContent = "Home";
    const view = page.data.home;
    home.replaceChildren(view ? blocksView(view.view.blocks, { kind: "view", viewId: view.id }) : el("p", { text: "Opening the Home tab…" }));
    return;
  }
  const current = conversation();
  document.getElementById("conversation-title").textContent = current.kind === "dm" ? "schedops" : `#${current.name}`;
  document.getElementById("conversation-note").textContent = current.kind === "dm" ? "Direct message with the app" : "";
  const atBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 40;
  timeline.replaceChildren(...current.messages.map((m) => messageView(m, false)));
  if (atBottom) timeline.scrollTop = timeline.scrollHeight;
  drawThread(current);
}

function drawThread(current) {
  const pane = document.getElementById("thread");
  const parent = page.thread && current.messages.find((m) => m.ts === page.thread);
  pane.hidden = !parent;
  if (!parent) return;
  document.getElementById("thread-timeline").replaceChildren(
    messageView(parent, true), ...parent.replies.map((r) => messageView(r, true)));
}

function openThread(ts) {
  page.thread = ts;
  drawTimeline();
}

// ---------- sidebar ----------

function drawSidebar() {
  const data = page.data;
  const picker = document.getElementById("acting-as");
  if (!picker.options.length) {
    for (const p of data.people) picker.append(el("option", { value: p.id, text: `${p.name} (${p.role})` }));
  }
  picker.value = page.me;
  const me = person(page.me);
  document.getElementById("role-note").textContent = {
    admin: "Admins change jobs at once.",
    approver: "Approvers decide requests (not their own).",
    member: "Members ask; an approver decides.",
  }[me ? me.role : "member"];
  const item = (label, where) => el("li", {}, el("button", {
    type: "button",
    "aria-current": page.where.kind === where.kind && (where.kind !== "channel" || page.where.id === where.id) ? "true" : "false",
    onclick: () => go(where),
  }, label));
  document.getElementById("channel-list").replaceChildren(...data.channels.map((c) => item(`# ${c.name}`, { kind: "channel", id: c.id })));
  document.getElementById("dm-list").replaceChildren(item("schedops", { kind: "dm" }));
  document.getElementById("app-list").replaceChildren(item("schedops Home", { kind: "home" }));
  document.getElementById("connection").textContent = data.connected ? "\u25cf schedops is connected" : "\u25cb schedops is not connected";
  const suggestions = data.commands.flatMap((c) => c.suggestions);
  document.getElementById("suggestions").replaceChildren(...suggestions.map((s) => el("option", { value: s })));
}

function go(where) {
  page.where = where;
  page.thread = null;
  if (where.kind === "home") send("home", { user: page.me });
  draw();
}

// ---------- the message box ----------

function showUsage() {
  const text = document.getElementById("message").value;
  const command = page.data && page.data.commands.find((c) => text.split(" ")[0] === c.command);
  document.getElementById("usage").textContent = command && command.hint ? `${command.command} ${command.hint}` : "";
}

async function submitMessage(event) {
  event.preventDefault();
  const box = document.getElementById("message");
  const text = box.value.trim();
  if (!text) return;
  const channel = conversation().id;
  box.value = "";
  showUsage();
  await send("message", { user: page.me, channel, text });
}

// ---------- talking to the sandbox ----------

async function send(what, body) {
  const problem = document.getElementById("problem");
  problem.textContent = "";
  try {
    const response = await fetch(`/sandbox/api/${what}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) problem.textContent = answer.error || `failed (${response.status})`;
  } catch (error) {
    problem.textContent = "The sandbox is not reachable; is schedops still running?";
  }
  refresh();
}

async function refresh() {
  if (page.fetching) {
    page.stale = true;
    return;
  }
  page.fetching = true;
  try {
    do {
      page.stale = false;
      const response = await fetch(`/sandbox/state?user=${encodeURIComponent(page.me)}`);
      if (response.ok) {
        page.data = await response.json();
        draw();
      }
    } while (page.stale);
  } finally {
    page.fetching = false;
  }
}

function draw() {
  if (!page.data) return;
  drawSidebar();
  drawTimeline();
  drawModal(page.data.modal);
  document.body.dataset.version = String(page.data.version);
}

function start() {
  document.getElementById("composer").addEventListener("submit", submitMessage);
  document.getElementById("message").addEventListener("input", showUsage);
  document.getElementById("close-thread").addEventListener("click", () => openThread(null));
  document.getElementById("acting-as").addEventListener("change", (event) => {
    page.me = event.target.value;
    const url = new URL(location.href);
    url.searchParams.set("as", page.me);
    history.replaceState(null, "", url);
    page.modalKey = null;
    if (page.where.kind === "home") send("home", { user: page.me });
    refresh();
  });
  const events = new EventSource("/sandbox/events");
  events.onmessage = () => refresh();
  refresh();
}

document.addEventListener("DOMContentLoaded", start);
