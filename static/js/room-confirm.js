// Asking before an action that cannot be undone lightly (closing the workshop,
// removing someone, a new join code): the question, any options (`extra` nodes, read
// by `onYes`) and two buttons take the place of the button, in the page (no browser
// dialog), and the focus goes to "Cancel".

import { button, el } from "./dom.js";
import { t } from "./i18n.js";

export function confirmInline(container, question, yesLabel, onYes, extra = []) {
  const kept = [...container.childNodes];
  const restore = (focusFirst) => {
    container.replaceChildren(...kept);
    const first = kept.find((node) => node.nodeType === 1 && !node.hidden);
    if (focusFirst && first) first.focus();
  };
  const box = el("div", "confirm", { role: "group" });
  const text = el("p", "confirm-question", { id: `confirm-${Math.random().toString(36).slice(2)}` }, question);
  const yes = button(yesLabel, "button small danger", () => {
    restore(true);
    onYes();
  }, { "aria-describedby": text.id, "data-action": "confirm-yes" });
  const no = button(t("cancel"), "button small", () => restore(true), { "data-action": "confirm-no" });
  box.append(text, ...extra, yes, no);
  container.replaceChildren(box);
  no.focus();
}
