/**
 * Whether an inbound SMS asks to stop messages: "TD" (退订's pinyin initials, the Chinese carriers'
 * convention), "退订", "STOP" and a few synonyms, in any case and width (full-width "ＴＤ" from a Chinese
 * keyboard), trimmed, with trailing punctuation ignored. Only the whole message counts: "stop calling at
 * 5" is a sentence for an agent, not an opt-out. Pure, linear.
 */
const OPT_OUT_WORDS = new Set(['td', 'stop', 'unsubscribe', '退订', '退定', '取消订阅']);
/** Kept short: only a short message can be a keyword. */
const MAX_KEYWORD_CHARS = 32;

export function isOptOut(text: string): boolean {
  if (text.length > MAX_KEYWORD_CHARS * 4) return false;
  // NFKC folds full-width letters and punctuation to their ASCII forms.
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
  return folded.length <= MAX_KEYWORD_CHARS && OPT_OUT_WORDS.has(folded);
}
