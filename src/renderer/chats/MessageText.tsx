import { useMemo } from 'react';
import { splitLinks } from '../lib/links.js';
import { LinkButton } from './LinkButton.js';

/**
 * Message text is data, not markup: every piece becomes a React text node (escaped by the
 * DOM), and http(s) links become buttons that ask before opening anything.
 */
export function MessageText({ text }: { text: string }) {
  const parts = useMemo(() => splitLinks(text), [text]);
  return (
    <p className="message-text">
      {parts.map((part, index) => (part.kind === 'text' ? <span key={index}>{part.text}</span> : <LinkButton key={index} text={part.text} url={part.url} />))}
    </p>
  );
}
