// Small helpers to build elements; texts always go in as text, never as HTML.

export function el(tag, className = "", attrs = {}, text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

export function button(text, className, onClick, attrs = {}) {
  const node = el("button", className, { type: "button", ...attrs }, text);
  if (onClick) node.addEventListener("click", onClick);
  return node;
}

export function setText(node, value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (node.textContent !== text) node.textContent = text;
}

export function setPressed(node, pressed) {
  const value = String(Boolean(pressed));
  if (node.getAttribute("aria-pressed") !== value) node.setAttribute("aria-pressed", value);
}

/**
 * Make `parent`'s children match `items` by key, reusing elements: create(item)
 * builds one, update(node, item) refreshes it. Elements holding the focus are
 * updated in place like any other, never rebuilt.
 */
export function syncChildren(parent, items, key, create, update) {
  const existing = new Map([...parent.children].map((child) => [child.dataset.key, child]));
  const wanted = [];
  for (const item of items) {
    const id = String(key(item));
    let node = existing.get(id);
    if (!node) {
      node = create(item);
      node.dataset.key = id;
    }
    existing.delete(id);
    if (update) update(node, item);
    wanted.push(node);
  }
  for (const node of existing.values()) node.remove();
  wanted.forEach((node, index) => {
    if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] || null);
  });
}
