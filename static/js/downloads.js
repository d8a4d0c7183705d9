// Download links, always as the server made them (boot data, never built here):
// the control room's "Export the results" area, and a canvas's "PDF: A3 · A4"
// (on its card in the control room, and on the canvas page for facilitators).

import { el } from "./dom.js";
import { t } from "./i18n.js";

const WORKSHOP_EXPORTS = [
  ["report-pdf", "export_report_pdf"], ["report-md", "export_report_md"], ["pdf", "export_pdf"],
  ["pdf-a4", "export_pdf_a4"], ["xlsx", "export_xlsx"], ["csv", "export_csv"], ["json", "export_json"],
  ["decidim-csv", "export_decidim_csv"], ["decidim-json", "export_decidim_json"],
];

/**
 * Fill the "Export the results" section. `withHidden` holds the reports' other URLs,
 * holding the notes not yet revealed: the explicit option switches the report links to them.
 */
export function exportsPanel(root, urls, withHidden = {}) {
  if (!root || !urls) return;
  const list = el("ul", "download-list");
  const reports = [];
  for (const [key, label] of WORKSHOP_EXPORTS) {
    if (!urls[key]) continue;
    const item = el("li");
    const link = el("a", "", { href: urls[key], download: true, "data-export": key }, t(label));
    if (withHidden[key]) reports.push([link, urls[key], withHidden[key]]);
    item.append(link);
    list.append(item);
  }
  root.append(el("h2", "", { id: "exports-title" }, t("exports")), el("p", "help", {}, t("exports_help")));
  if (reports.length) {
    const box = el("input", "", { type: "checkbox", id: "export-include-hidden", "data-action": "include-hidden" });
    box.addEventListener("change", () => {
      for (const [link, plain, holding] of reports) link.href = box.checked ? holding : plain;
    });
    const choice = el("p", "export-choice");
    choice.append(box, el("label", "", { for: box.id }, t("include_hidden")));
    root.append(choice);
  }
  root.append(list);
}

/**
 * "PDF: A3 · A4" links for one canvas; `label(size)` names each for screen readers
 * (the name contains the visible "A3"/"A4", so speech input finds it).
 */
export function pdfLinks(className, intro, urls, label) {
  const node = el("span", className);
  node.append(`${intro} `);
  [["a3", "A3"], ["a4", "A4"]].forEach(([key, size], index) => {
    if (index) node.append(" · ");
    node.append(el("a", "", { href: urls[key], download: true, "aria-label": label(size), "data-export": `pdf-${key}` },
      size));
  });
  return node;
}

/**
 * Exports are rendered by a worker process on the server: a quick one answers with the file,
 * a long one with its state, polled here until it is ready. Clicking an export link asks for
 * JSON; the state's words (in the page's language) come from the server, shown next to the
 * link; once ready, a quick export downloads at once and a long one offers "Download".
 */
const POLL_MS = 1000;

function statusFor(link) {
  let node = link.nextElementSibling;
  if (!node || !node.classList.contains("export-status")) {
    node = el("span", "export-status", { role: "status" });
    link.after(node);
  }
  return node;
}

async function askState(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("application/json")) throw new Error(String(response.status));
  return response.json();
}

async function follow(link) {
  const status = statusFor(link);
  status.classList.remove("failed");
  status.textContent = "…";
  link.setAttribute("aria-busy", "true");
  let waited = false;
  try {
    let state = await askState(link.href);
    while (state.state === "working") {
      waited = true;
      status.textContent = ` ${state.message}`;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      state = await askState(state.status_url);
    }
    if (state.state === "ready" && !waited) {
      status.textContent = "";
      window.location.assign(state.file_url);
    } else if (state.state === "ready") {
      status.replaceChildren(` ${state.message} `,
        el("a", "", { href: state.file_url, download: true, "data-action": "download-export" }, state.download));
    } else {
      status.classList.add("failed");
      status.textContent = ` ${state.message}`;
    }
  } catch (_error) {
    // The server could not be asked (offline, a restart): the plain link still works.
    status.textContent = "";
    window.location.assign(link.href);
  } finally {
    link.removeAttribute("aria-busy");
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[data-export]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  if (link.getAttribute("aria-busy") === "true") return;
  follow(link);
});
