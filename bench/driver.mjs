// Load driver of bench/fanout.py: N socket.io clients per server, all in one Node process.
//
// Reads one JSON config object on stdin, writes one JSON result object on stdout
// (progress goes to stderr). All clients share this process's monotonic clock
// (performance.now()), so the fan-out latency of an operation is simply "last
// other participant's receipt" minus "writer's send".
//
// Every target (Lienzo and the bare rebroadcast server, with and without
// compression) is connected for the whole run, and the load takes turns between
// them in short slices (`slice` seconds each, `duration` seconds in all for
// each), so that whatever else the machine is doing meanwhile falls on all alike.
//
// Config:
//   targets       [{name, mode, url, server_pid, ...}] in the order their slices take turns:
//                   urls (optional) instead of url: client i connects to urls[i % urls.length]
//                   server_pids (optional) instead of server_pid: CPU is summed over them
//                   mode "lienzo": tokens (one POST /api/join token per client), canvas_id, block;
//                                  clients emit canvas:join, then note:add / note:edit
//                   mode "bare":   room; clients emit join {room}, then msg {room, ...}
//   n             clients per target (for Lienzo, the first n tokens)
//   writers       how many of the n clients write (the first ones)
//   rate          operations per second per writer
//   warmup        seconds of load on each target first (checked for loss, not timed)
//   duration      seconds of measured load on each target
//   slice         seconds per turn of the measured load (default 3)
//   drain         seconds to wait after the last send for acks and deliveries
//   settle        seconds between "everyone joined" and the first send
//   clk_tck       clock ticks per second of /proc (os.sysconf("SC_CLK_TCK"))
//   ack_timeout, connect_timeout, hard_limit   seconds
//   dump          optional path prefix: one JSON line per operation in <dump>-<target>.jsonl
//
// Every client offers permessage-deflate (ws's default, as browsers do); the
// server decides. The result says how many connections ended up compressed.

import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { io } from "socket.io-client";

const log = (...args) => process.stderr.write(`[driver] ${args.join(" ")}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const LOOP_RESOLUTION_MS = 10;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  const round = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: round(sorted.length ? sum / sorted.length : null),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

// CPU seconds (user + system) of a process, from /proc/<pid>/stat; null where there is no /proc.
function procCpuSeconds(pid, clkTck) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / clkTck;
  } catch {
    return null;
  }
}

// CPU seconds of a target's server processes together; null if any cannot be read.
function serversCpuSeconds(spec, clkTck) {
  const pids = spec.server_pids ?? (spec.server_pid ? [spec.server_pid] : []);
  if (pids.length === 0) return null;
  let total = 0;
  for (const pid of pids) {
    const seconds = procCpuSeconds(pid, clkTck);
    if (seconds === null) return null;
    total += seconds;
  }
  return total;
}

// Whole-machine busy and steal CPU seconds (all cores), from /proc/stat; null where there is no /proc.
function machineSeconds(clkTck) {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return { busy: (user + nice + system + irq + softirq + (steal ?? 0)) / clkTck, steal: (steal ?? 0) / clkTck };
  } catch {
    return null;
  }
}

// Run `task(i)` for i in [0, count) with at most `limit` running at once.
async function pool(count, limit, task) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(workers);
}

class Target {
  constructor(spec, n, writers) {
    this.spec = spec;
    this.name = spec.name;
    this.lienzo = spec.mode === "lienzo";
    this.n = n;
    this.sockets = new Array(n);
    this.ops = new Map(); // op_id -> op record
    this.deliveries = []; // per-delivery latency (ms), measured ops only
    this.acks = []; // send -> ack (ms), measured ops only
    this.writerState = Array.from({ length: writers }, () => ({ pending: false, note: null, k: 0 }));
    this.sent = 0;
    this.sentMeasured = 0;
    this.compressed = 0;
    this.live = false; // set while measuring: disconnects are logged
    this.counters = { disconnects: 0, duplicates: 0, stray_changes: 0, skipped_backlog: 0, ack_errors: {} };
    // Accumulated over this target's measured slices.
    this.window = { wallMs: 0, driverUs: 0, serverS: 0, machineBusyS: 0, machineStealS: 0, otherServerS: 0 };
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  }

  onChange(i, envelope) {
    const now = performance.now();
    const op = envelope && this.ops.get(envelope.op_id);
    if (!op) {
      this.counters.stray_changes++;
      return;
    }
    if (i === op.writer) return; // the sender's own copy is not fan-out
    if (op.got[i]) {
      this.counters.duplicates++;
      return;
    }
    op.got[i] = 1;
    op.remaining--;
    op.last = now;
    if (op.measured) this.deliveries.push(now - op.t0);
  }

  async connect(connectTimeout) {
    const { tokens } = this.spec;
    const urls = this.spec.urls ?? [this.spec.url];
    await pool(this.n, 20, (i) => new Promise((resolve, reject) => {
      const socket = io(urls[i % urls.length], {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        timeout: connectTimeout,
        auth: this.lienzo ? { token: tokens[i] } : {},
      });
      this.sockets[i] = socket;
      const timer = setTimeout(() => reject(new Error(`${this.name} client ${i}: connect timeout`)), connectTimeout);
      socket.once("connect", () => { clearTimeout(timer); resolve(); });
      socket.once("connect_error", (err) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} client ${i}: connect_error ${JSON.stringify(err?.data ?? err?.message)}`));
      });
      socket.on("change", (envelope) => this.onChange(i, envelope));
      socket.on("disconnect", (reason) => {
        if (this.live) log(`${this.name} client ${i} disconnected: ${reason}`);
        this.counters.disconnects++;
      });
    }));
    this.compressed = this.sockets.filter(
      (s) => /permessage-deflate/.test(s.io?.engine?.transport?.ws?.extensions ?? "")).length;
    await pool(this.n, 20, async (i) => {
      const socket = this.sockets[i].timeout(connectTimeout);
      const ack = this.lienzo
        ? await socket.emitWithAck("canvas:join", { canvas_id: this.spec.canvas_id })
        : await socket.emitWithAck("join", { room: this.spec.room });
      if (!ack?.ok) throw new Error(`${this.name} client ${i}: join refused ${JSON.stringify(ack)}`);
    });
    log(`${this.name}: ${this.n} connected and joined; ${this.compressed} with permessage-deflate`);
  }

  // Same shape and about the same size as Lienzo's change envelope.
  fakeEnvelope(w, opId, noteId, text, version) {
    const person = { id: w + 1, name: `Participante ${w}`, institution: null, facilitator: false };
    const at = new Date().toISOString();
    const room = this.spec.room;
    return {
      room, canvas_id: room, seq: this.sent, type: version === 1 ? "note.added" : "note.edited",
      data: { id: noteId, block: "problem", text, color: "yellow", position: 1.0, version, author: person,
        created_at: at, updated_at: at },
      actor: person, op_id: opId, at,
    };
  }

  send(w, measured, ackTimeout) {
    const state = this.writerState[w];
    if (state.pending) {
      this.counters.skipped_backlog++;
      return;
    }
    const opId = randomUUID();
    const k = state.k++;
    const text = `Idea ${k} de ${w}: ${"x".repeat(20 + (k % 20))}`;
    const isEdit = k % 2 === 1 && state.note !== null;
    let event;
    let payload;
    if (!this.lienzo) {
      event = "msg";
      payload = this.fakeEnvelope(w, opId, isEdit ? state.note.id : randomUUID(), text,
        isEdit ? state.note.version + 1 : 1);
    } else if (isEdit) {
      event = "note:edit";
      payload = { op_id: opId, note_id: state.note.id, text, version: state.note.version };
    } else {
      event = "note:add";
      payload = { op_id: opId, block: this.spec.block, text, color: "yellow", note_id: randomUUID() };
    }
    const op = {
      event, writer: w, t0: performance.now(), got: new Uint8Array(this.n), remaining: this.n - 1,
      last: null, acked: false, failed: false, ack: null, measured,
    };
    this.ops.set(opId, op);
    this.sent++;
    if (measured) this.sentMeasured++;
    state.pending = true;
    this.sockets[w].timeout(ackTimeout).emit(event, payload, (err, ack) => {
      state.pending = false;
      op.acked = true;
      op.ack = performance.now() - op.t0;
      if (err || !ack?.ok) {
        const code = err ? "timeout" : (ack?.error?.code ?? "bad_ack");
        this.counters.ack_errors[code] = (this.counters.ack_errors[code] ?? 0) + 1;
        op.failed = true;
        return;
      }
      if (measured) this.acks.push(op.ack);
      const note = this.lienzo ? ack.event.data : payload.data;
      state.note = { id: note.id, version: note.version };
    });
  }

  incomplete() {
    for (const op of this.ops.values()) if (!op.failed && (op.remaining > 0 || !op.acked)) return true;
    return false;
  }

  result(cfg, writers) {
    const fanout = [];
    let lostDeliveries = 0;
    let lostOps = 0;
    let unacked = 0;
    let deliveredMeasured = 0;
    for (const op of this.ops.values()) {
      if (!op.acked) unacked++;
      if (op.failed) continue; // refused ops are counted in ack_errors, and broadcast nothing
      if (op.remaining > 0) {
        lostDeliveries += op.remaining;
        lostOps++;
      } else if (op.measured) {
        fanout.push(op.last - op.t0);
      }
      if (op.measured) deliveredMeasured += this.n - 1 - op.remaining;
    }
    const w = this.window;
    const wall = w.wallMs / 1000;
    const pct = (seconds) => (wall > 0 ? Math.round((seconds / wall) * 1000) / 10 : null);
    const lag = (ns) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
    const driverCpu = pct(w.driverUs / 1e6);
    const serverCpu = this.spec.server_pids?.length || this.spec.server_pid ? pct(w.serverS) : null;
    const busy = pct(w.machineBusyS);
    return {
      mode: this.name,
      n: this.n,
      writers,
      rate: cfg.rate,
      warmup_s: cfg.warmup,
      duration_s: cfg.duration,
      measured_s: Math.round(wall * 10) / 10,
      ops_sent: this.sent,
      ops_measured: this.sentMeasured,
      fanout_ms: summary(fanout),
      delivery_ms: summary(this.deliveries),
      ack_ms: summary(this.acks),
      delivered_per_s: Math.round(deliveredMeasured / cfg.duration),
      expected_per_s: Math.round(writers * cfg.rate * (this.n - 1)),
      lost: {
        deliveries: lostDeliveries,
        ops: lostOps,
        unacked,
        ack_errors: this.counters.ack_errors,
        ack_error_count: Object.values(this.counters.ack_errors).reduce((a, b) => a + b, 0),
        skipped_backlog: this.counters.skipped_backlog,
        disconnects: this.counters.disconnects,
        duplicates: this.counters.duplicates,
        stray_changes: this.counters.stray_changes,
      },
      compressed_connections: this.compressed,
      driver: {
        cpu_pct: driverCpu,
        loop_delay_p99_ms: lag(this.loopDelay.percentile(99)),
        loop_delay_max_ms: lag(this.loopDelay.max),
      },
      server: { cpu_pct: serverCpu },
      machine: busy === null ? null : {
        busy_pct: busy, // % of one core, all cores together (200% = both cores of a 2-core machine)
        steal_pct: pct(w.machineStealS),
        // Everything else on the machine: other programs competing with this server and the driver.
        other_pct: Math.max(0, Math.round((busy - driverCpu - (serverCpu ?? 0) - pct(w.otherServerS)) * 10) / 10),
      },
    };
  }

  dump(path, t0) {
    const lines = [];
    for (const [opId, op] of this.ops) {
      lines.push(JSON.stringify({
        op_id: opId, event: op.event, writer: op.writer, measured: op.measured, t_ms: +(op.t0 - t0).toFixed(3),
        ack_ms: op.ack === null ? null : +op.ack.toFixed(3),
        fanout_ms: op.remaining === 0 && !op.failed ? +(op.last - op.t0).toFixed(3) : null, missing: op.remaining,
      }));
    }
    writeFileSync(path, lines.join("\n") + "\n");
  }
}

// The timeline: warm-up on each target in turn, then measured slices taking turns until each has `duration`.
function plan(targets, warmupMs, durationMs, sliceMs) {
  const phases = [];
  let t = 0;
  if (warmupMs > 0) {
    for (const target of targets) {
      phases.push({ target, measured: false, start: t, end: t + warmupMs });
      t += warmupMs;
    }
  }
  const left = targets.map(() => durationMs);
  for (let k = 0; left.some((x) => x > 1e-6) && k < 100000; k++) {
    const i = k % targets.length;
    const len = Math.min(sliceMs, left[i]);
    if (len <= 1e-6) continue;
    phases.push({ target: targets[i], measured: true, start: t, end: t + len });
    left[i] -= len;
    t += len;
  }
  return { phases, end: t };
}

async function main() {
  const cfg = JSON.parse(readFileSync(0, "utf8"));
  const n = cfg.n;
  const writers = Math.max(1, Math.min(n, cfg.writers));
  const period = 1000 / cfg.rate;
  const ackTimeout = (cfg.ack_timeout ?? 10) * 1000;
  const connectTimeout = (cfg.connect_timeout ?? 60) * 1000;
  const clkTck = cfg.clk_tck || 100;

  // Whatever happens, this process ends: the orchestrator also kills it on its own deadline.
  const hardLimit = setTimeout(() => {
    log("hard time limit reached");
    process.stdout.write(JSON.stringify({ error: "driver hard time limit reached" }) + "\n");
    process.exit(2);
  }, (cfg.hard_limit ?? 600) * 1000);
  hardLimit.unref();

  const targets = cfg.targets.map((spec) => new Target(spec, n, writers));

  // 1. Connect and join everyone (bounded concurrency, bounded time), one target after the other.
  for (const target of targets) await target.connect(connectTimeout);
  await sleep((cfg.settle ?? 1) * 1000);
  for (const target of targets) {
    target.counters.disconnects = 0;
    target.live = true;
  }

  // 2. Phase book-keeping: CPU of the driver, of each server and of the machine, per target.
  const snapshot = () => ({
    t: performance.now(),
    cpu: process.cpuUsage(),
    servers: targets.map((tg) => serversCpuSeconds(tg.spec, clkTck)),
    machine: machineSeconds(clkTck),
  });
  const begin = (phase) => {
    phase.snap = snapshot();
    if (phase.measured) phase.target.loopDelay.enable();
  };
  const finish = (phase) => {
    if (!phase.snap || phase.done) return;
    phase.done = true;
    if (!phase.measured) return;
    phase.target.loopDelay.disable();
    const now = snapshot();
    const w = phase.target.window;
    w.wallMs += now.t - phase.snap.t;
    w.driverUs += now.cpu.user + now.cpu.system - phase.snap.cpu.user - phase.snap.cpu.system;
    targets.forEach((tg, i) => {
      if (now.servers[i] === null || phase.snap.servers[i] === null) return;
      const used = now.servers[i] - phase.snap.servers[i];
      if (tg === phase.target) w.serverS += used;
      else w.otherServerS += used;
    });
    if (now.machine && phase.snap.machine) {
      w.machineBusyS += now.machine.busy - phase.snap.machine.busy;
      w.machineStealS += now.machine.steal - phase.snap.machine.steal;
    }
  };

  // 3. Writers: open-loop schedule, one op every `period` ms each, phases spread evenly.
  const { phases, end } = plan(targets, cfg.warmup * 1000, cfg.duration * 1000, (cfg.slice ?? 3) * 1000);
  const t0 = performance.now() + 50;
  const timers = phases.map((phase, i) => setTimeout(() => {
    if (i > 0) finish(phases[i - 1]);
    begin(phase);
  }, Math.max(0, t0 + phase.start - performance.now())));
  log(`load: ${phases.length} phases, ${(end / 1000).toFixed(0)} s`);

  await Promise.all(Array.from({ length: writers }, (_, w) => new Promise((resolve) => {
    let j = 0;
    let p = 0;
    const offset = (w / writers) * period;
    const tick = () => {
      const at = offset + j * period; // ms since t0
      if (at >= end) return resolve();
      while (p < phases.length - 1 && at >= phases[p].end) p++;
      phases[p].target.send(w, phases[p].measured, ackTimeout);
      j++;
      setTimeout(tick, Math.max(0, t0 + offset + j * period - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 + offset - performance.now()));
  })));
  await sleep(Math.max(0, t0 + end - performance.now()));
  timers.forEach(clearTimeout);
  for (const phase of phases) if (!phase.snap && phase.measured) log("warning: a phase never started");
  finish(phases[phases.length - 1]);
  for (const target of targets) target.live = false;

  // 4. Drain: wait (bounded) for every ack and every delivery.
  const drainDeadline = performance.now() + (cfg.drain ?? 5) * 1000;
  while (targets.some((tg) => tg.incomplete()) && performance.now() < drainDeadline) await sleep(20);

  // 5. Account.
  const results = {};
  for (const target of targets) {
    results[target.name] = target.result(cfg, writers);
    if (cfg.dump) target.dump(`${cfg.dump}-${target.name}.jsonl`, t0);
  }
  for (const target of targets) for (const socket of target.sockets) socket?.disconnect();
  process.stdout.write(JSON.stringify({
    n, writers, rate: cfg.rate, slice_s: cfg.slice ?? 3, order: targets.map((tg) => tg.name), results,
  }) + "\n");
  process.exit(0);
}

main().catch((err) => {
  log(`failed: ${err?.stack ?? err}`);
  process.stdout.write(JSON.stringify({ error: String(err?.message ?? err) }) + "\n");
  process.exit(1);
});
