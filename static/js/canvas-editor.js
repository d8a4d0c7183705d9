// The canvas editor: add, remove and reorder blocks, and draw the sheet as it is typed, in
// three frames (the participants' page, the projector, the PDF). The server checks and saves.

const form = document.getElementById("editor-form");
const list = document.getElementById("ed-blocks");
const blank = document.getElementById("block-template");
const lang = document.querySelector(".editor").dataset.lang === "en" ? "en" : "es";

function value(name) {
  const input = form.elements.namedItem(name);
  return input && "value" in input ? input.value.trim() : "";
}

function whole(name, fallback) {
  const n = Number.parseInt(value(name), 10);
  return Number.isFinite(n) ? n : fallback;
}

/** Blocks renumbered after a change: inputs are named like the server's fields (blocks[2].title.es). */
function renumber() {
  [...list.children].forEach((fieldset, i) => {
    fieldset.dataset.index = String(i);
    fieldset.querySelector(".ed-block-number").textContent = String(i + 1);
    for (const el of fieldset.querySelectorAll("[name], [id], [for], [aria-describedby]")) {
      for (const attr of ["name", "id", "for", "aria-describedby"]) {
        const old = el.getAttribute(attr);
        if (old) el.setAttribute(attr, old.replace(/blocks(\[|-)(\d+|__i__)/, `blocks$1${i}`));
      }
    }
  });
}

function readDesign() {
  const columns = Math.min(Math.max(whole("columns", 1), 1), 12);
  const rows = Math.min(Math.max(whole("rows", 1), 1), 12);
  const blocks = [...list.children].map((_fs, i) => {
    const f = (k) => value(`blocks[${i}].${k}`);
    return {
      id: f("id"), inside: f("inside"), title: f(`title.${lang}`) || f("title.es"),
      question: f(`question.${lang}`) || f("question.es"),
      row: whole(`blocks[${i}].row`, 1), col: whole(`blocks[${i}].col`, 1),
      rowSpan: whole(`blocks[${i}].row_span`, 1), colSpan: whole(`blocks[${i}].col_span`, 1),
    };
  });
  return { columns, rows, blocks };
}

function head(block, level) {
  const header = document.createElement("header");
  header.className = "block-head";
  const title = document.createElement(level);
  title.className = "block-title";
  title.textContent = block.title || block.id || "…";
  const question = document.createElement("p");
  question.className = "block-question";
  question.textContent = block.question;
  header.append(title, question);
  return header;
}

function draw(sheet, design) {
  sheet.replaceChildren();
  sheet.style.gridTemplateColumns = `repeat(${design.columns}, minmax(0, 1fr))`;
  sheet.style.gridTemplateRows = `repeat(${design.rows}, minmax(0, 1fr))`;
  for (const block of design.blocks) {
    if (block.inside) continue;
    const section = document.createElement("section");
    section.className = "block";
    section.dataset.block = block.id;
    const row = Math.min(Math.max(block.row, 1), design.rows);
    const col = Math.min(Math.max(block.col, 1), design.columns);
    section.style.gridRow = `${row} / span ${Math.max(1, Math.min(block.rowSpan, design.rows - row + 1))}`;
    section.style.gridColumn = `${col} / span ${Math.max(1, Math.min(block.colSpan, design.columns - col + 1))}`;
    section.append(head(block, "h3"));
    for (const sub of design.blocks.filter((b) => b.inside && b.inside === block.id)) {
      const inner = document.createElement("section");
      inner.className = "block sub-block";
      inner.append(head(sub, "h4"));
      section.append(inner);
    }
    sheet.append(section);
  }
}

function preview() {
  const design = readDesign();
  for (const sheet of document.querySelectorAll("[data-preview]")) draw(sheet, design);
  for (const fieldset of list.children) {
    const inside = fieldset.querySelector("[data-role=inside]").value.trim();
    fieldset.querySelector("[data-role=place]").hidden = inside !== "";
  }
}

function addBlock() {
  const fragment = blank.content.cloneNode(true);
  const fieldset = fragment.querySelector("fieldset");
  list.append(fieldset);
  renumber();
  const i = list.children.length - 1;
  const rows = form.elements.namedItem("rows");
  const columns = whole("columns", 1);
  const newRow = Math.min(whole("rows", 1) + 1, 12);
  rows.value = String(newRow);
  form.elements.namedItem(`blocks[${i}].id`).value = `block_${i + 1}`;
  form.elements.namedItem(`blocks[${i}].row`).value = String(newRow);
  form.elements.namedItem(`blocks[${i}].col`).value = "1";
  form.elements.namedItem(`blocks[${i}].col_span`).value = String(columns);
  preview();
  form.elements.namedItem(`blocks[${i}].title.es`).focus();
}

list.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const fieldset = button.closest("fieldset.ed-block");
  if (button.hasAttribute("data-remove")) {
    const next = fieldset.nextElementSibling || fieldset.previousElementSibling;
    fieldset.remove();
    renumber();
    preview();
    (next?.querySelector("button[data-remove]") || document.getElementById("add-block")).focus();
  } else if (button.dataset.move === "up" && fieldset.previousElementSibling) {
    fieldset.previousElementSibling.before(fieldset);
    renumber();
    preview();
    button.focus();
  } else if (button.dataset.move === "down" && fieldset.nextElementSibling) {
    fieldset.nextElementSibling.after(fieldset);
    renumber();
    preview();
    button.focus();
  }
});

document.getElementById("add-block").addEventListener("click", addBlock);
form.addEventListener("input", preview);
preview();
document.querySelector("[aria-invalid=true]")?.focus();
