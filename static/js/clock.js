// Time from the server: timers are an end time sent once, and every page counts
// down locally against its estimate of the server's clock (from the join ack's
// server_time, taken halfway between sending and receiving).

export class Clock {
  constructor() {
    this.offset = 0; // server time minus local time, in ms
  }

  /** Learn the offset from an ack carrying server_time (and sentAt/receivedAt when measured). */
  sync(ack) {
    if (!ack || typeof ack.server_time !== "number") return;
    const received = ack.receivedAt || Date.now();
    const local = ack.sentAt ? (ack.sentAt + received) / 2 : received;
    this.offset = ack.server_time - local;
  }

  now() {
    return Date.now() + this.offset;
  }

  /** Milliseconds left on a timer (0 once it is up), or null without a timer. */
  remaining(timer) {
    if (!timer) return null;
    if (timer.state === "paused") return Math.max(0, timer.remaining_ms || 0);
    return Math.max(0, timer.ends_at - this.now());
  }
}

/** 4:05, 12:00, 1:02:03 (rounded up, so "0:00" only when the time is up). */
export function formatDuration(ms) {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Whether a running timer with "lock when time is up" has run out. */
export function locksNow(timer, clock) {
  return Boolean(timer && timer.lock_on_end && timer.state === "running" && clock.now() >= timer.ends_at);
}
