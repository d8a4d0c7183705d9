// Download links, always as the server made them (boot data, never built here):
// the control room's "Export the results" area, and a canvas's "PDF: A3 · A4"
// (on its card in the control room, and on the canvas page for facilitators).

import { el } from "./dom.js";
import { t } from "./i18n.js";

const WORKSHOP_EXPORTS = [
  ["report-pdf", "export_report_pdf"], ["report-md", "export_report_md"], ["pdf", "export_pdf"],
  ["pdf-a4", "export_pdf_a4"], ["xlsx", "export_xlsx"], ["csv", "export_csv"], ["json", "export_json"],
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
