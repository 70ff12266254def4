import { describe, expect, it } from 'vitest';
import { MATCH_END, MATCH_START, parseSnippet, toFtsQuery } from '../../../src/core/store/fts-query.js';

describe('FTS query from user text', () => {
  it('quotes every word as a prefix term', () => {
    expect(toFtsQuery('  lunch  tomorrow ')).toBe('"lunch"* "tomorrow"*');
  });

  it('neutralises FTS5 syntax and quotes', () => {
    expect(toFtsQuery('body:x OR NEAR(a b) "quoted')).toBe('"body:x"* "OR"* "NEAR(a"* "b)"* """quoted"*');
  });

  it('has nothing to search for in blank input', () => {
    expect(toFtsQuery(' \t\n')).toBeUndefined();
  });
});

describe('snippet markers', () => {
  it('become plain text with match ranges', () => {
    const marked = `…see you at ${MATCH_START}lunch${MATCH_END} on ${MATCH_START}Tue${MATCH_END}`;
    const snippet = parseSnippet(marked);
    expect(snippet.text).toBe('…see you at lunch on Tue');
    expect(snippet.matches.map(([s, e]) => snippet.text.slice(s, e))).toEqual(['lunch', 'Tue']);
  });
});
