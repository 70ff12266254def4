// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageText } from '../../../src/renderer/chats/MessageText.js';
import { renderWithApi } from './render.js';

afterEach(cleanup);

const opened = (calls: { method: string; args: unknown }[]) => calls.filter((c) => c.method === 'openExternalLink').map((c) => c.args);

describe('links in messages', () => {
  it('open only after the person confirms, with the exact address shown', async () => {
    const { backend } = renderWithApi(<MessageText text="read https://docs.example.org/x?y=1 now" />);
    await userEvent.click(screen.getByRole('button', { name: /Link to docs\.example\.org/ }));
    const dialog = screen.getByRole('dialog', { name: 'Open this link?' });
    expect(dialog.textContent).toContain('https://docs.example.org/x?y=1');
    expect(opened(backend.calls)).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Open in browser' }));
    expect(opened(backend.calls)).toEqual([{ url: 'https://docs.example.org/x?y=1' }]);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('open nothing when the person cancels or presses Escape', async () => {
    const { backend } = renderWithApi(<MessageText text="https://evil.example/" />);
    const link = screen.getByRole('button', { name: /Link to evil\.example/ });
    await userEvent.click(link);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await userEvent.click(link);
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opened(backend.calls)).toEqual([]);
  });
});
