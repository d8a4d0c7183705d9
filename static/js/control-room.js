// The control room: every canvas of the workshop live (workshop:watch), the
// session's controls and the people. Each canvas keeps its own state by seq,
// the workshop's by version; a gap in a canvas's seq is filled by watching
// again, and so is the server's `resync` (its message queue was away). Every
// control shows what the server says: a button is "pressed" only once the
// server's event says so; sending shows as pending, then done or not done
// (with the reason in plain words).

import { announce, initAnnouncer } from "./announce.js";
import { Clock } from "./clock.js";
import { Connection } from "./connection.js";
import { setText } from "./dom.js";
import { t } from "./i18n.js";
import { showConnectionState, startPage } from "./page.js";
import { BulkControls } from "./room-bulk.js";
import { CanvasCard } from "./room-card.js";
import { CommitmentsPanel } from "./room-commitments.js";
import { exportsPanel } from "./downloads.js";
import { JoinCode } from "./room-code.js";
import { PeoplePanel } from "./room-people.js";
import { PrivacyWarning } from "./room-privacy.js";
import { RecipeControls } from "./room-recipe.js";
import { SessionControls } from "./room-session.js";
import { reasonOf, sendOnce } from "./send.js";
import { CanvasState } from "./state.js";
import { WorkshopState } from "./workshop-state.js";

const GAP_WAIT_MS = 1000;
const DONE_SHOWN_MS = 3000;

class ControlRoom {
  constructor(boot) {
    this.boot = boot;
    this.me = boot.me;
    this.clock = new Clock();
    this.workshop = new WorkshopState();
    this.canvases = new Map();
    this.gapTimer = null;
    this.renderQueued = false;
    this.dirty = new Set(); // canvases whose card needs drawing; "all" after a workshop change
    this.page = document.getElementById("control-room");
    initAnnouncer(document.getElementById("announcer"));
    this.recipe = new RecipeControls(this, document.getElementById("room-recipe"));
    this.bulk = new BulkControls(this, document.getElementById("room-bulk"));
    for (const info of boot.canvases) this.addCanvas(info);
    this.session = new SessionControls(this, document.getElementById("room-controls"));
    this.people = new PeoplePanel(this, document.getElementById("room-people"));
    this.commitments = new CommitmentsPanel(this, document.getElementById("room-commitments"));
    this.joinCode = new JoinCode(this, document.getElementById("join-code-controls"));
    const exportsArea = document.getElementById("room-exports");
    exportsPanel(exportsArea, boot.exports, boot.exports_with_hidden);
    this.privacy = new PrivacyWarning(this, boot.lone_institutions);
    this.privacy.place(this.page.parentNode, "banner banner-warn", this.page); // above the grid, full width
    this.privacy.place(exportsArea, "export-warning", exportsArea.querySelector(".export-choice, .download-list"));
    this.render();
    this.connection = new Connection({
      token: boot.token,
      hello: () => ["workshop:watch", {}],
      state: (name, reason) => showConnectionState(name, reason),
      joined: (ack) => this.watched(ack),
      resync: () => this.connection.greetAgain(),
      left: () => this.scheduleRender(),
      refused: () => this.refused(),
      events: {
        change: (envelope) => this.canvasEvent(envelope, false),
        "change:private": (envelope) => this.canvasEvent(envelope, true),
        presence: (event) => this.presence(event),
        workshop: (envelope) => this.workshopEvent(envelope),
        "workshop:private": (envelope) => this.workshopEvent(envelope),
        "workshop:links": (links) => this.adoptLinks(links),
      },
    });
  }

  addCanvas(info) {
    const canvas = { info, state: new CanvasState(), presence: new Map(), seen: new Map(), card: null };
    this.canvases.set(info.id, canvas);
    canvas.card = new CanvasCard(this, canvas);
    document.getElementById("room-canvases").append(canvas.card.root);
    return canvas;
  }

  // ---- what the server says ------------------------------------------------------

  watched(ack) {
    this.clock.sync(ack);
    this.workshop.adopt(ack.workshop);
    this.commitments.adopt(ack.workshop);
    this.privacy.set(ack.workshop && ack.workshop.lone_institutions);
    for (const entry of ack.roster || []) this.workshop.person(entry, ack.workshop.version);
    for (const snapshot of ack.canvases || []) {
      const canvas = this.canvases.get(snapshot.canvas.id) || this.addCanvas({
        id: snapshot.canvas.id, name: snapshot.canvas.name, blocks: (snapshot.blocks || []).map((id) => ({ id, title: id })) });
      // A snapshot older than what the live events already brought adds nothing (they are contiguous).
      if (!canvas.state.ready || snapshot.seq >= canvas.state.seq) canvas.state.sync(snapshot);
      canvas.presence = new Map((snapshot.presence || []).map((person) => [person.id, person]));
    }
    this.adoptLinks(ack.links);
    this.page.dataset.ready = "true";
    this.render();
  }

  /** The join code, its QR code and the projector link as the server has them now (a new code). */
  adoptLinks(links) {
    if (!links || !links.code) return;
    const changed = links.code !== this.boot.workshop.code;
    this.boot.workshop = { ...this.boot.workshop, code: links.code, join_url: links.join_url, qr_url: links.qr_url };
    this.boot.projector_url = links.projector_url;
    this.joinCode.show(links);
    this.session.showProjectorUrl(links.projector_url);
    if (changed) announce(t("new_code_now", { code: links.code }));
  }

  canvasEvent(envelope, whole) {
    const canvas = envelope && this.canvases.get(envelope.canvas_id);
    if (!canvas) return;
    canvas.state.receive(envelope, whole);
    if (envelope.type === "canvas.anonymous") this.privacy.refresh();
    this.checkGap();
    this.scheduleRender(canvas.info.id);
  }

  workshopEvent(envelope) {
    const before = envelope && envelope.data && this.workshop.people.get(envelope.data.id);
    if (this.commitments.receive(envelope)) this.scheduleRender();
    if (!this.workshop.receive(envelope)) return;
    if (envelope.type === "workshop.institutions") this.privacy.refresh();
    const after = envelope.data && this.workshop.people.get(envelope.data.id);
    if (envelope.type === "participant.status" && after && after.hand && !(before && before.hand)) {
      announce(t("hand_raised_by", { name: after.name }));
    }
    this.scheduleRender();
  }

  presence(event) {
    const canvas = this.canvases.get(event.canvas_id);
    if (!canvas) return;
    if (event.joined) {
      const person = event.joined;
      canvas.presence.set(person.id, person);
      if (!this.workshop.people.has(person.id)) {
        this.workshop.person({ ...person, ready: false, hand: false, removed: false, last_seen_at: null }, 0);
        this.privacy.refresh(); // someone new: an institution may have gained, or found, its only participant
      }
    }
    if (event.left) {
      const person = event.left;
      canvas.presence.delete(person.id);
      canvas.seen.set(person.id, person);
      const known = this.workshop.people.get(person.id);
      if (known) this.workshop.people.set(person.id, { ...known, last_seen_at: new Date().toISOString() });
    }
    this.scheduleRender(canvas.info.id);
  }

  checkGap() {
    const gap = [...this.canvases.values()].some((canvas) => canvas.state.hasGap);
    if (!gap) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    } else if (!this.gapTimer) {
      this.gapTimer = setTimeout(() => this.watchAgain(), GAP_WAIT_MS);
    }
  }

  async watchAgain() {
    this.gapTimer = null;
    if (!this.connection.joined || ![...this.canvases.values()].some((canvas) => canvas.state.hasGap)) return;
    try {
      const ack = await this.connection.request("workshop:watch", {});
      if (ack.ok) this.watched(ack);
    } catch {
      // the next connection watches again anyway
    }
  }

  // ---- sending controls ----------------------------------------------------------

  /** Send a control; shows pending, then done or the reason it was not done. Resolves to the ack or null. */
  async send(name, payload, { status = null, control = null } = {}) {
    if (status) this.say(status, t("sending"), "pending");
    if (control) control.setAttribute("aria-busy", "true");
    const ack = await sendOnce(this.connection, name, payload);
    if (control) control.removeAttribute("aria-busy");
    if (ack && ack.ok) {
      this.applyAck(ack.event);
      if (status) this.say(status, t("done_ok"), "ok", DONE_SHOWN_MS);
      return ack;
    }
    const message = t("not_done", { reason: reasonOf(ack) });
    if (status) this.say(status, message, "error");
    announce(message);
    return null;
  }

  applyAck(envelope) {
    if (!envelope) return;
    if (envelope.canvas_id !== undefined && envelope.canvas_id !== null) this.canvasEvent(envelope, true);
    else this.workshopEvent(envelope);
  }

  say(node, text, state, clearAfter = 0) {
    setText(node, text);
    node.dataset.state = state;
    clearTimeout(node.lienzoTimer);
    if (clearAfter) {
      node.lienzoTimer = setTimeout(() => {
        if (node.textContent === text) {
          setText(node, "");
          node.dataset.state = "";
        }
      }, clearAfter);
    }
  }

  // ---- what the pieces ask -------------------------------------------------------

  canvasList() {
    return [...this.canvases.values()];
  }

  controlsOf(canvas) {
    return canvas.state.controls;
  }

  canvasUrl(id) {
    return `/f/workshops/${this.boot.workshop.id}/canvases/${id}`;
  }

  isRemoved(id) {
    const person = this.workshop.people.get(id);
    return Boolean(person && person.removed);
  }

  /** Participant id → names of the canvases they have open now. */
  whereIsEveryone() {
    const where = new Map();
    for (const canvas of this.canvases.values()) {
      for (const id of canvas.presence.keys()) where.set(id, [...(where.get(id) || []), canvas.info.name]);
    }
    return where;
  }

  placeName(canvasId, block) {
    const canvas = this.canvases.get(canvasId);
    if (!canvas) return "";
    const found = block && canvas.info.blocks.find((b) => b.id === block);
    return found ? `${canvas.info.name} — ${found.title}` : canvas.info.name;
  }

  /** A block's title on a canvas (its id when the canvas does not know it). */
  blockTitle(canvasId, block) {
    const canvas = this.canvases.get(canvasId);
    const found = canvas && canvas.info.blocks.find((b) => b.id === block);
    return found ? found.title : block;
  }

  projectorLabel(projector) {
    const canvas = projector.canvas_id && this.canvases.get(projector.canvas_id);
    const name = canvas ? canvas.info.name : "";
    if (projector.mode === "canvas") return t("show_canvas_named", { name });
    if (projector.mode === "results") return t("show_results_named", { name });
    if (projector.mode === "commitments") return t("show_commitments");
    return projector.mode === "timer" ? t("show_timer") : t("show_join");
  }

  // ---- drawing -------------------------------------------------------------------

  /** Draw soon: one canvas's card (and the shared panels), or everything. */
  scheduleRender(canvasId = "all") {
    this.dirty.add(canvasId);
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render(false);
    });
  }

  render(everything = true) {
    const all = everything || this.dirty.has("all");
    this.session.update();
    this.recipe.update();
    this.bulk.update();
    for (const canvas of this.canvases.values()) if (all || this.dirty.has(canvas.info.id)) canvas.card.update();
    this.dirty.clear();
    this.people.update();
    this.commitments.update();
    document.body.classList.toggle("is-closed", this.workshop.closed);
  }

  refused() {
    const banner = document.createElement("p");
    banner.className = "banner banner-error";
    banner.setAttribute("role", "alert");
    banner.textContent = t("access_ended");
    this.page.prepend(banner);
  }
}

window.lienzoRoom = startPage((boot) => new ControlRoom(boot));
