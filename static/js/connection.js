// The live connection: Socket.IO with the page's token, canvas:join (again after
// every reconnect, with the last seq seen) or another greeting (the control
// room's workshop:watch), acks with a timeout, and one state for the indicator:
// connecting, connected, reconnecting or offline.

import { io } from "../vendor/socket.io.esm.min.js";

const ACK_TIMEOUT = 15000;

export class Connection {
  /**
   * @param {object} options token, canvasId, lastSeq() → number|null, and the hooks
   *   state(name), joined(ack), left(), change(envelope), presence(event), editing(event), refused(code);
   *   optionally hello() → [message, payload] instead of canvas:join, and events: {name: handler}
   *   for any other server event.
   */
  constructor(options) {
    this.options = options;
    this.ended = false;
    this.joined = false;
    this.everJoined = false;
    this.state = "connecting";
    this.failedAttempts = 0;
    this.socket = io({
      auth: { token: options.token },
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      randomizationFactor: 0.5,
      timeout: 10000,
    });
    this.listen();
    window.addEventListener("online", () => this.update());
    window.addEventListener("offline", () => this.update());
  }

  listen() {
    const { socket, options } = this;
    socket.on("connect", () => this.join());
    socket.on("disconnect", (reason) => {
      this.joined = false;
      options.left();
      if (reason === "io server disconnect" && !this.ended) socket.connect();
      this.update();
    });
    socket.on("connect_error", (error) => {
      this.failedAttempts += 1;
      if (!socket.active) {
        // Refused by the server itself (not a network failure).
        const code = error && error.data && error.data.code;
        if (code === "forbidden") {
          this.setState("offline");
          options.refused(code);
          return;
        }
        setTimeout(() => this.ended || socket.connect(), 3000);
      }
      this.update();
    });
    socket.io.on("reconnect_attempt", () => this.update());
    if (options.change) socket.on("change", (envelope) => options.change(envelope));
    if (options.presence) socket.on("presence", (event) => options.presence(event));
    if (options.editing) socket.on("editing", (event) => options.editing(event));
    for (const [name, handler] of Object.entries(options.events || {})) socket.on(name, handler);
  }

  hello() {
    if (this.options.hello) return this.options.hello();
    return ["canvas:join", { canvas_id: this.options.canvasId, last_seq: this.options.lastSeq() }];
  }

  /** Stop for good (the person was removed): no more reconnecting. */
  end() {
    this.ended = true;
    this.joined = false;
    this.socket.disconnect();
    this.setState("offline");
  }

  async join() {
    let ack;
    try {
      const sentAt = Date.now();
      ack = await this.request(...this.hello());
      ack = { ...ack, sentAt, receivedAt: Date.now() };
    } catch {
      if (this.socket.connected) setTimeout(() => this.join(), 1000);
      return;
    }
    if (!ack.ok) {
      const code = ack.error && ack.error.code;
      if (code === "unavailable" || code === "rate_limited") {
        setTimeout(() => this.socket.connected && this.join(), 2000);
        return;
      }
      this.options.refused(code);
      return;
    }
    this.joined = true;
    this.everJoined = true;
    this.failedAttempts = 0;
    this.update();
    this.options.joined(ack);
  }

  /** Send a message and wait for its ack (rejects when no ack comes in time). */
  request(name, data, timeout = ACK_TIMEOUT) {
    return this.socket.timeout(timeout).emitWithAck(name, data);
  }

  /** Send when connected; ephemeral messages (note:editing) are not worth queueing. */
  tell(name, data) {
    if (!this.joined) return;
    this.request(name, data, 5000).catch(() => {});
  }

  update() {
    if (this.ended) this.setState("offline");
    else if (this.joined) this.setState("connected");
    else if (!navigator.onLine || this.failedAttempts >= 3) this.setState("offline");
    else this.setState(this.everJoined ? "reconnecting" : "connecting");
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.options.state(state);
  }
}
