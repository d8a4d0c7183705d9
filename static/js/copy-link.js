// The Copy button next to a one-time link (templates/_new_link.html). The clipboard API
// needs a secure context, which a venue's http://192.168... is not: then the old
// select-and-copy is tried, and if that fails too the link is left selected with a
// message saying to copy it by hand. The texts come translated in data attributes.

function copyByHand(input) {
  input.focus();
  input.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

async function copy(button) {
  const input = document.getElementById(button.dataset.copy);
  const status = button.closest("section")?.querySelector(".copy-status");
  if (!input) return;
  let done = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(input.value);
      done = true;
    } catch {
      done = false;
    }
  }
  if (!done) done = copyByHand(input);
  if (status) status.textContent = done ? button.dataset.copied : button.dataset.copyFailed;
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => copy(button));
}
for (const input of document.querySelectorAll("input[data-copy-source]")) {
  input.addEventListener("focus", () => input.select());
}
