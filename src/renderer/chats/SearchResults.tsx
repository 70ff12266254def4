import { useEffect, useState } from 'react';
import type { SearchHit } from '../../common/api/contract.js';
import { useApi } from '../api/ApiContext.js';
import { formatListTime } from '../lib/time.js';
import { ErrorText } from '../ui/ErrorText.js';

const DEBOUNCE_MS = 200;

/** Full-history search; results replace the conversation list while the box has text. */
export function SearchResults({ query, onOpen }: { query: string; onOpen: (conversationId: string, messageId: string) => void }) {
  const api = useApi();
  const [hits, setHits] = useState<SearchHit[]>();
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api.call('search', { query: query.trim(), limit: 100 }).then(
        (result) => {
          if (!current) return;
          setHits(result);
          setError(null);
        },
        (failure: unknown) => {
          if (current) setError(failure);
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, query]);

  if (error) return <ErrorText error={error} />;
  if (!hits) return <p className="muted pad" aria-live="polite">Searching…</p>;
  return (
    <div>
      <p className="muted pad" aria-live="polite">
        {hits.length === 0 ? 'No messages match.' : `${hits.length} ${hits.length === 1 ? 'message' : 'messages'} found`}
      </p>
      <ul className="search-results">
        {hits.map((hit) => (
          <li key={hit.messageId}>
            <button type="button" className="search-hit" onClick={() => onOpen(hit.conversationId, hit.messageId)}>
              <span className="row-top">
                <span className="title">{hit.conversationTitle}</span>
                <time className="muted">{formatListTime(hit.sentAt)}</time>
              </span>
              <Highlighted text={hit.snippet} matches={hit.matches} />
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Marks the matched ranges; every piece stays a text node. */
export function Highlighted({ text, matches }: { text: string; matches: [number, number][] }) {
  const pieces: { text: string; mark: boolean }[] = [];
  let at = 0;
  for (const [start, end] of [...matches].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(start, at);
    const to = Math.min(end, text.length);
    if (from >= to) continue;
    if (from > at) pieces.push({ text: text.slice(at, from), mark: false });
    pieces.push({ text: text.slice(from, to), mark: true });
    at = to;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), mark: false });
  return (
    <span className="snippet">
      {pieces.map((piece, index) => (piece.mark ? <mark key={index}>{piece.text}</mark> : <span key={index}>{piece.text}</span>))}
    </span>
  );
}
