// Polite announcements for screen readers through #announcer, without flooding:
// the same text is not repeated within a short time.

let region = null;
let last = { text: "", at: 0 };
let timer = null;

export function initAnnouncer(element) {
  region = element;
}

export function announce(text) {
  if (!region || !text) return;
  const now = Date.now();
  if (text === last.text && now - last.at < 3000) return;
  last = { text, at: now };
  region.textContent = "";
  clearTimeout(timer);
  // A fresh text node after a short pause is read even when the text repeats.
  timer = setTimeout(() => { region.textContent = text; }, 60);
}
