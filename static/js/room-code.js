// A new join code, for a code that went where it should not: the old code and the
// projector link made from it stop working at once; people already in keep their
// places. The projector screens open now move to the new link, unless the
// facilitator asks to disconnect them too (when the projector link itself was seen).

import { button, el, setText } from "./dom.js";
import { t } from "./i18n.js";
import { confirmInline } from "./room-confirm.js";

export class JoinCode {
  constructor(room, root) {
    this.room = room;
    this.code = document.getElementById("join-code");
    this.qr = document.getElementById("join-qr");
    this.status = el("p", "control-status", { role: "status" });
    this.actions = el("div", "control-row");
    this.button = button(t("new_code"), "button small", () => this.ask(), { "data-action": "new-code" });
    this.actions.append(this.button);
    root.append(this.actions, this.status);
  }

  ask() {
    const id = "new-code-disconnect";
    const box = el("input", "", { type: "checkbox", id, "data-action": "new-code-disconnect" });
    const option = el("label", "confirm-option", { for: id });
    option.append(box, ` ${t("new_code_disconnect")}`);
    confirmInline(this.actions, t("new_code_confirm", { code: this.room.boot.workshop.code }), t("new_code"),
      async () => {
        const ack = await this.room.send("workshop:new_code", { projectors: box.checked ? "disconnect" : "move" },
          { status: this.status, control: this.button });
        if (ack) this.room.adoptLinks(ack.links);
      }, [option]);
  }

  show(links) {
    setText(this.code, links.code);
    if (this.qr.getAttribute("src") !== links.qr_url) this.qr.setAttribute("src", links.qr_url);
  }
}
