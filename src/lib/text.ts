/**
 * `text` without the `char`s it ends with, in one pass from the end. (A `/x+$/` replace would try the
 * pattern at every run of `char` in the text: quadratic in the run's length.)
 */
export function trimEnd(text: string, char: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === char) end -= 1;
  return text.slice(0, end);
}
