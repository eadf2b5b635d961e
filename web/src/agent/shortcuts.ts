/**
 * Keyboard shortcuts: single keys (R, N, A, S, H, D, digits) that act on the screen, never while the
 * person types into a field or holds a modifier (Ctrl+R must still reload). Scopes stack: an open dialog
 * pushes its own keys and the page's stop until it closes. Pure (no DOM: the page feeds it key events).
 */

/** The part of a KeyboardEvent the registry reads. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  repeat: boolean;
  /** Where the key went: an input, textarea, select or editable element takes its own keys. */
  target: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

/** A scope's keys: the normalized key ('R', '1') to its action; false means the key did nothing. */
export type KeyMap = Record<string, () => unknown>;

const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
/** Inputs that take no text: a key pressed on them is still a shortcut. */
const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset']);

function typing(target: KeyInput['target']): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  if (!target.tagName || !TYPING_TAGS.has(target.tagName.toUpperCase())) return false;
  return !(target.tagName.toUpperCase() === 'INPUT' && target.type && NON_TEXT_INPUTS.has(target.type));
}

/** The shortcut a key press names ('R', '3'), or null when it is not one. */
export function shortcutOf(input: KeyInput): string | null {
  if (input.ctrlKey || input.metaKey || input.altKey || input.repeat) return null;
  if (typing(input.target)) return null;
  return /^[a-z0-9]$/i.test(input.key) ? input.key.toUpperCase() : null;
}

/**
 * The screen's shortcuts: each part of the page adds the keys it offers now (R in the state bar, A in
 * the preview...); an open dialog pushes a modal scope that alone gets keys until it closes.
 */
export class ShortcutRegistry {
  private readonly parts: { id: symbol; keys: () => KeyMap }[] = [];
  private readonly modals: { id: symbol; keys: () => KeyMap }[] = [];

  /** A part's keys, beside the others'; returns their removal. */
  add(keys: () => KeyMap): () => void {
    return this.insert(this.parts, keys);
  }

  /** A modal scope on top; returns its removal. */
  push(keys: () => KeyMap): () => void {
    return this.insert(this.modals, keys);
  }

  /** Runs the action the key names now; true when one ran (the page then keeps the key to itself). */
  dispatch(input: KeyInput): boolean {
    const key = shortcutOf(input);
    if (!key) return false;
    const top = this.modals.at(-1);
    for (const scope of top ? [top] : this.parts) {
      const action = scope.keys()[key];
      if (action && action() !== false) return true;
    }
    return false;
  }

  private insert(list: { id: symbol; keys: () => KeyMap }[], keys: () => KeyMap): () => void {
    const id = Symbol('shortcuts');
    list.push({ id, keys });
    return () => {
      const i = list.findIndex((s) => s.id === id);
      if (i >= 0) list.splice(i, 1);
    };
  }
}
