// Sending one operation that is not a queued note change (controls, votes,
// ready and hands): a fresh op_id, and after no answer one retry under the
// same op_id (the server applies it at most once). Resolves to the ack, or to
// a refusal of our own making when there is no connection or no answer.

import { t } from "./i18n.js";
import { uuid } from "./ids.js";

const RETRY_CODES = new Set(["unavailable", "rate_limited"]);

function refusal(key) {
  return { ok: false, error: { code: "offline", message: t(key) } };
}

export async function sendOnce(connection, name, payload, timeout = 8000) {
  if (!connection || !connection.joined) return refusal("no_connection");
  const data = { op_id: uuid(), ...payload };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const ack = await connection.request(name, data, timeout);
      if (!ack || ack.ok || !ack.error || !RETRY_CODES.has(ack.error.code)) return ack;
    } catch {
      // no answer in time: once more with the same op_id
    }
  }
  return refusal("no_answer");
}

/** The plain-words reason of a refused ack. */
export function reasonOf(ack) {
  return (ack && ack.error && ack.error.message) || t("no_answer");
}
