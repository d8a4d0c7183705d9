// Where anonymity does not hold: on anonymous canvases that show institutions, an
// institution only one participant came from names that person. The server decides
// which (board/visibility.py, lone_institutions, in the facilitator's `workshop`
// state); this page asks again when the answer may change (someone new arrives,
// institutions or a canvas's anonymity is switched) and shows the warning, with its
// one-click remedy (institutions off), wherever it is placed: at the top of the
// control room and in the "Export the results" area.

import { button, el, setText } from "./dom.js";
import { t } from "./i18n.js";

const NOTHING = { institutions: [], canvases: [] };

export class PrivacyWarning {
  constructor(room, facts) {
    this.room = room;
    this.facts = facts || NOTHING;
    this.views = [];
    this.asking = false;
    this.askAgain = false;
  }

  /** A warning box inside `root`, before `reference` (or last), hidden while nothing is exposed. */
  place(root, className, reference = null) {
    if (!root) return;
    const node = el("div", `privacy-warning ${className}`, { "data-privacy": "lone-institutions" });
    const text = el("p", "privacy-text");
    const status = el("p", "control-status", { role: "status" });
    const remedy = button(t("hide_institutions"), "button small", () => this.room.send("workshop:institutions",
      { value: false }, { status, control: remedy }), { "data-action": "hide-institutions" });
    node.append(text, remedy, status);
    root.insertBefore(node, reference);
    this.views.push({ node, text });
    this.update();
  }

  /** The server's answer (a `workshop` state's `lone_institutions`). */
  set(facts) {
    if (!facts || !Array.isArray(facts.institutions)) return;
    this.facts = facts;
    this.update();
  }

  /** Ask the server again; requests made meanwhile fold into one more. */
  async refresh() {
    if (this.asking) {
      this.askAgain = true;
      return;
    }
    if (!this.room.connection || !this.room.connection.joined) return; // the next watch brings it
    this.asking = true;
    try {
      const ack = await this.room.connection.request("workshop:state", {});
      if (ack && ack.ok && ack.workshop) this.set(ack.workshop.lone_institutions);
    } catch {
      // no answer: the next change or connection asks again
    } finally {
      this.asking = false;
      if (this.askAgain) {
        this.askAgain = false;
        this.refresh();
      }
    }
  }

  update() {
    const { institutions, canvases } = this.facts;
    const message = institutions.length ? t("lone_institutions", {
      institutions: institutions.join(", "), canvases: canvases.map((c) => c.name).join(", ") }) : "";
    for (const view of this.views) {
      view.node.hidden = !institutions.length;
      setText(view.text, message);
    }
  }
}
