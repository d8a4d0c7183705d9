// The recipe's phase a page shows, read from the workshop's public state
// (`recipe`: the agenda, the room's phase, each table's phase and the full settings
// of the phases in play; see docs/protocol.md, "Recipes and phases").

import { language } from "./i18n.js";

/** A recipe text ({es, en}) in the page's language. */
export function localized(text) {
  if (!text) return "";
  return text[language()] || text.es || "";
}

/** The phase a table is in, or null (no recipe, or the table not driven yet). */
export function tablePhase(recipe, canvasId) {
  if (!recipe || !recipe.tables) return null;
  const index = recipe.tables[String(canvasId)];
  return index === undefined || index === null ? null : (recipe.phases || {})[String(index)] || null;
}

/** The room's phase (the last one the facilitator went to), or null. */
export function roomPhase(recipe) {
  if (!recipe || recipe.phase === null || recipe.phase === undefined) return null;
  return (recipe.phases || {})[String(recipe.phase)] || null;
}
