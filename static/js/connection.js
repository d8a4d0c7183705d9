// The live connection: Socket.IO with the page's token, canvas:join (again after
// every reconnect, with the last seq seen) or another greeting (the control
// room's workshop:watch), acks with a timeout, and one state for the indicator:
// connecting, connected, reconnecting or offline. A refusal because the server
// cannot reach its database ("unavailable") is not the end: the connection
// keeps trying, waiting longer each time, and the indicator says why.

import { io } from "../vendor/socket.io.esm.min.js";

const ACK_TIMEOUT = 15000;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 8000;

/** Wait before the next attempt after `failures` refusals in a row: doubling, capped, jittered. */
export function backoff(failures) {
  const base = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(Math.max(failures - 1, 0), 6));
  return Math.round(base * (0.75 + Math.random() / 2));
}

export class Connection {
  /**
   * @param {object} options token, canvasId, since() → {last_seq, last_op_id} (CanvasState.since), and the hooks
   *   state(name, reason), joined(ack), left(), change(envelope), presence(event), editing(event), refused(code);
   *   optionally hello() → [message, payload] instead of canvas:join, resync() for the server's
   *   `resync` (its message queue was away: catch up by seq), and events: {name: handler} for any
   *   other server event. `reason` is "unavailable" while the server cannot reach its database.
   */
  constructor(options) {
    this.options = options;
    this.ended = false;
    this.joined = false;
    this.everJoined = false;
    this.state = "connecting";
    this.reason = null; // why it is not connected, when the server said: "unavailable"
    this.stateReason = null;
    this.failedAttempts = 0;
    this.refusals = 0; // refusals in a row that are worth retrying: "unavailable" (connection or greeting) and the like
    this.retryTimer = null;
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
          options.refused(code, error.data);
          return;
        }
        // "unavailable" (its database is down) or anything else: try again, later each time.
        this.reason = code === "unavailable" ? "unavailable" : null;
        this.refusals += 1;
        this.retry(() => socket.connect());
      } else {
        this.reason = null; // a network failure: Socket.IO itself tries again
      }
      this.update();
    });
    // The server is stopping (a restart, a deploy): it has finished what it had and will close the
    // connection. Reconnect now rather than after the transport drops and the backoff runs: a new
    // connection, to another process or to this one once it is back.
    socket.on("server:restarting", () => {
      if (this.ended) return;
      socket.disconnect();
      socket.connect();
    });
    socket.io.on("reconnect_attempt", () => this.update());
    socket.on("resync", () => {
      if (this.joined && !this.ended && options.resync) options.resync();
    });
    if (options.change) socket.on("change", (envelope) => options.change(envelope));
    if (options.presence) socket.on("presence", (event) => options.presence(event));
    if (options.editing) socket.on("editing", (event) => options.editing(event));
    for (const [name, handler] of Object.entries(options.events || {})) socket.on(name, handler);
  }

  /** Run `attempt` after the backoff for the refusals so far (one pending attempt at a time). */
  retry(attempt) {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.ended) attempt();
    }, backoff(this.refusals));
  }

  hello() {
    if (this.options.hello) return this.options.hello();
    return ["canvas:join", { canvas_id: this.options.canvasId, ...this.options.since() }];
  }

  /** Connect with another token from the next connection on (a projector moved to its new link). */
  setToken(token) {
    this.socket.auth = { token };
  }

  /** Stop for good (the person was removed): no more reconnecting. */
  end() {
    this.ended = true;
    this.joined = false;
    clearTimeout(this.retryTimer);
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
        this.reason = code === "unavailable" ? "unavailable" : this.reason;
        this.refusals += 1;
        this.update();
        this.retry(() => this.socket.connected && this.join());
        return;
      }
      this.options.refused(code);
      return;
    }
    this.joined = true;
    this.everJoined = true;
    this.failedAttempts = 0;
    this.refusals = 0;
    this.reason = null;
    this.update();
    this.options.joined(ack);
  }

  /** Greet the server again on the open connection (the control room and projector catch up this way). */
  greetAgain() {
    if (this.joined && !this.ended) this.join();
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
    else if (this.reason === "unavailable") this.setState(this.everJoined ? "reconnecting" : "connecting", "unavailable");
    else if (!navigator.onLine || this.failedAttempts >= 3) this.setState("offline");
    else this.setState(this.everJoined ? "reconnecting" : "connecting");
  }

  setState(state, reason = null) {
    if (state === this.state && reason === this.stateReason) return;
    this.state = state;
    this.stateReason = reason;
    this.options.state(state, reason);
  }
}
