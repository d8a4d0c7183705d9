// A workshop's start, as bench/fanout.py --join-burst measures it: COUNT people
// join within WINDOW seconds (evenly spread) and open the canvas. For each: the
// time from sending POST /api/join to the `canvas:join` ack (the canvas's notes
// in hand), through a websocket socket.io connection as the page makes.
// Reads {url, code, canvas_id, count, window, timeout} as JSON on stdin; prints
// one JSON line {count, ok, failures, ms: {p50, p95, max}, errors}.
import { io } from "socket.io-client";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => resolve(text));
}));
const { url, code, canvas_id: canvasId, count, window: windowS, timeout = 30 } = input;
const sockets = [];
const errors = {};

async function one(i) {
  const t0 = performance.now();
  const answer = await fetch(`${url}/api/join`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ code, name: `Llega ${i}` }),
  });
  if (!answer.ok) throw new Error(`join ${answer.status}`);
  const { token } = await answer.json();
  const socket = io(url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  sockets.push(socket);
  const ack = await socket.timeout(timeout * 1000).emitWithAck("canvas:join", { canvas_id: canvasId });
  if (!ack?.ok) throw new Error(`canvas:join ${ack?.error?.code ?? "refused"}`);
  return performance.now() - t0;
}

const started = performance.now();
const runs = [];
for (let i = 0; i < count; i++) {
  const due = started + (i * windowS * 1000) / count;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  runs.push(one(i).catch((error) => {
    errors[error.message] = (errors[error.message] ?? 0) + 1;
    return null;
  }));
}
const times = (await Promise.all(runs)).filter((t) => t !== null).sort((a, b) => a - b);
const pick = (q) => (times.length ? Math.round(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] * 10) / 10 : null);
for (const socket of sockets) socket.close();
console.log(JSON.stringify({
  count, ok: times.length, failures: count - times.length, window_s: windowS,
  spent_s: Math.round((performance.now() - started) / 100) / 10,
  ms: { p50: pick(0.5), p95: pick(0.95), max: times.length ? Math.round(times.at(-1) * 10) / 10 : null }, errors,
}));
process.exit(0);
