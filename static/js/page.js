// What every live page (canvas, control room, projector) does the same way: start
// from the boot data the server put in the page, and show the connection's state.

import { setText } from "./dom.js";
import { setStrings, t } from "./i18n.js";

/** Read the page's boot data, take its translated strings, and build the page with it. */
export function startPage(create) {
  const bootNode = document.getElementById("boot");
  if (!bootNode) return null;
  const boot = JSON.parse(bootNode.textContent);
  setStrings(boot.strings, boot.lang);
  return create(boot);
}

/** The connection indicator, in words (`reason` "unavailable": the server cannot save). */
export function showConnectionState(name, reason = null) {
  const indicator = document.getElementById("connection");
  indicator.dataset.state = name;
  indicator.dataset.reason = reason || "";
  setText(indicator, t(reason === "unavailable" ? "server_unavailable" : name));
  document.body.dataset.connection = name;
}
