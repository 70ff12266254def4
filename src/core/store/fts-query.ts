// Turns what a user types into a safe FTS5 query, and FTS5's marked-up snippets into plain
// text with match ranges. User text is never FTS5 syntax: every word is quoted, so
// operators, column filters and stray quotes are just words.

/** Every word must occur, each as a prefix ("mee" finds "meeting"); undefined for no words. */
export function toFtsQuery(input: string): string | undefined {
  const words = input.split(/\s+/u).filter((word) => word.length > 0);
  if (words.length === 0) return undefined;
  return words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' ');
}

// Control characters a chat body does not contain in practice; if one does, its
// highlight ranges are off, never the text.
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

export interface Snippet {
  readonly text: string;
  /** [start, end) ranges of `text` (UTF-16 code units) to highlight. */
  readonly matches: ReadonlyArray<readonly [number, number]>;
}

export function parseSnippet(marked: string): Snippet {
  let text = '';
  const matches: Array<[number, number]> = [];
  let start: number | undefined;
  for (const char of marked) {
    if (char === MATCH_START) start = text.length;
    else if (char === MATCH_END && start !== undefined) {
      matches.push([start, text.length]);
      start = undefined;
    } else text += char;
  }
  return { text, matches };
}
