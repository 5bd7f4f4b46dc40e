// The sandbox page: draws what the chosen person sees in the local Slack workspace and sends what they do.
// Safety rule: text from messages, jobs and people only ever reaches the page through textContent or text
// nodes (dom.js, mrkdwn.js), never as HTML; links are followed only for http(s) and mailto URLs.
import { el } from "./dom.js";
import { directory, mrkdwn, textObject } from "./mrkdwn.js";
import { blocksView, blockView, formValues, handlers } from "./blockkit.js";

const page = {
  me: new URLSearchParams(location.search).get("as") || "U0ALICE",
  where: { kind: "channel", id: "C0OPS" },
  thread: null,
  data: null,
  modalKey: null,
  fetching: false,
  stale: false,
};

// ---------- modals ----------

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
  const me = data.people.find((p) => p.id === page.me);
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
  directory.people = page.data.people;
  directory.channels = page.data.channels;
  drawSidebar();
  drawTimeline();
  drawModal(page.data.modal);
  document.body.dataset.version = String(page.data.version);
}

handlers.act = (element, block, surface, value) => {
  const common = { user: page.me, action_id: element.action_id, value };
  if (surface.kind === "message") {
    const { channel, ts } = surface.message;
    return send("click", { ...common, channel, ts, block_id: block.block_id || null });
  }
  return send("view-click", { ...common, view_id: surface.viewId });
};

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
