// Texts come from the server (boot.strings), already translated; this file only
// fills their %(name)s placeholders, picks plural forms and formats numbers in
// the page's language.

let strings = {};
let lang = "es";

export function setStrings(table, language) {
  strings = table || {};
  lang = language || "es";
}

export function t(key, params = {}) {
  const text = strings[key];
  if (text === undefined) {
    console.warn("lienzo: missing string", key);
    return "";
  }
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A text that depends on a count: the server sends its forms by plural category. */
export function tn(key, count, params = {}) {
  const forms = strings[key];
  if (!forms || typeof forms !== "object") {
    console.warn("lienzo: missing plural string", key);
    return "";
  }
  let category = "other";
  try {
    category = new Intl.PluralRules(lang).select(count);
  } catch {
    // an unknown language: the "other" form
  }
  const text = forms[category] || forms.other || "";
  const all = { count: formatNumber(count), ...params };
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in all ? String(all[name]) : whole));
}

export function language() {
  return lang;
}

export function formatNumber(value) {
  try {
    return new Intl.NumberFormat(lang).format(value);
  } catch {
    return String(value);
  }
}

export function initials(name) {
  const words = String(name || "").trim().split(/\s+/).filter(Boolean);
  if (!words.length) return "?";
  const letters = words.length === 1 ? [...words[0]].slice(0, 2) : [[...words[0]][0], [...words[words.length - 1]][0]];
  return letters.join("").toLocaleUpperCase(lang);
}
