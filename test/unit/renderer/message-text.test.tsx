// @vitest-environment jsdom
import { cleanup } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageText } from '../../../src/renderer/chats/MessageText.js';
import { renderWithApi } from './render.js';

// Payloads in the style of the usual XSS filter-evasion lists: each must come out as the
// very same characters, inside nothing but the spans and link buttons MessageText makes.
const CORPUS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><circle r=10 /></svg>',
  '<svg><script>alert(1)</script></svg>',
  '<a href="javascript:alert(1)">click me</a>',
  'javascript:alert(document.cookie)',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<body onload=alert(1)>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '"><script>alert(1)</script>',
  "'-alert(1)-'",
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
  '<b>bold</b> &lt;i&gt; &amp; &#x3C;script&#x3E;',
  '<template><img src=x onerror=alert(1)></template>',
  '<form action="https://evil.example"><button>go</button></form>',
  '{{constructor.constructor("alert(1)")()}}',
  '<a href="https://evil.example" onclick="steal()">https://evil.example</a>',
];

afterEach(cleanup);

describe('message text', () => {
  it.each(CORPUS)('renders %s as inert text', (payload) => {
    const { container } = renderWithApi(<MessageText text={payload} />);
    const paragraph = container.querySelector('p.message-text')!;
    expect(paragraph.textContent).toBe(payload);
    for (const element of paragraph.querySelectorAll('*')) {
      // Only what MessageText itself creates: text spans and link buttons.
      expect(['SPAN', 'BUTTON']).toContain(element.tagName);
      const allowed = element.tagName === 'BUTTON' ? ['type', 'class', 'aria-label'] : [];
      for (const attribute of element.attributes) expect(allowed).toContain(attribute.name);
    }
    expect(document.querySelectorAll('script, img, svg, iframe, object, a, form, style, template, math')).toHaveLength(0);
  });

  it('turns only http(s) URLs into link buttons, never a javascript: one', () => {
    const { container } = renderWithApi(<MessageText text={'see https://example.org/a?b=1, not javascript:alert(1) or data:text/html,x'} />);
    const buttons = [...container.querySelectorAll('button')];
    expect(buttons.map((b) => b.textContent)).toEqual(['https://example.org/a?b=1']);
    expect(container.textContent).toBe('see https://example.org/a?b=1, not javascript:alert(1) or data:text/html,x');
  });
});
