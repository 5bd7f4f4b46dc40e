// Slack's mrkdwn drawn as DOM: bold, italic, strike, code, pre, quotes, links (http, https, mailto only),
// mentions, channels and dates. Every piece of text becomes a text node, so nothing in a message is markup.
import { el } from "./dom.js";

// Who and which channels mentions name; the page updates it with each state it fetches.
export const directory = { people: [], channels: [] };

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
export const emojify = (s) => s.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);

function person(id) {
  return directory.people.find((p) => p.id === id) || null;
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

export function mrkdwn(source) {
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
    const channel = directory.channels.find((c) => c.id === target.slice(1));
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

export function textObject(object) {
  if (!object) return el("span");
  if (object.type === "mrkdwn") return mrkdwn(String(object.text || ""));
  const text = String(object.text || "");
  return el("span", { text: object.emoji === false ? text : emojify(text) });
}
