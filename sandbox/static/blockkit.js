// Block Kit drawn as DOM: header, section (text, fields, accessory), context, divider, actions, input, and
// buttons with their style and confirm dialogs. What a click does is the page's business: `handlers.act`.
import { el } from "./dom.js";
import { textObject } from "./mrkdwn.js";

export const handlers = { act: async () => {} };


export function blocksView(blocks, surface) {
  return el("div", { class: "blocks" }, (blocks || []).map((block) => blockView(block, surface)));
}

export function blockView(block, surface) {
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
  return handlers.act(element, block, surface, value === undefined ? null : value);
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

export function formValues(form) {
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

