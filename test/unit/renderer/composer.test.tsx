// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Composer } from '../../../src/renderer/chats/Composer.js';
import type { PendingFile } from '../../../src/renderer/lib/files.js';

afterEach(cleanup);

function Harness({ onSend }: { onSend: (text: string) => Promise<boolean> }) {
  const [pending, setPending] = useState<PendingFile[]>([]);
  return (
    <Composer
      title="Bob"
      pending={pending}
      onAddFiles={(files) => setPending((current) => [...current, ...files])}
      onRemoveFile={(key) => setPending((current) => current.filter((f) => f.key !== key))}
      onSend={onSend}
      busy={false}
    />
  );
}

describe('composer', () => {
  it('sends on Enter and clears the box', async () => {
    const onSend = vi.fn(async () => true);
    render(<Harness onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message to Bob' });
    await userEvent.type(box, 'hello{Enter}');
    expect(onSend).toHaveBeenCalledWith('hello');
    expect(box).toHaveProperty('value', '');
  });

  it('inserts a new line on Shift+Enter without sending', async () => {
    const onSend = vi.fn(async () => true);
    render(<Harness onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message to Bob' });
    await userEvent.type(box, 'first{Shift>}{Enter}{/Shift}second');
    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveProperty('value', 'first\nsecond');
    await userEvent.type(box, '{Enter}');
    expect(onSend).toHaveBeenCalledWith('first\nsecond');
  });

  it('keeps the text when sending fails', async () => {
    const onSend = vi.fn(async () => false);
    render(<Harness onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message to Bob' });
    await userEvent.type(box, 'keep me{Enter}');
    expect(box).toHaveProperty('value', 'keep me');
  });

  it('does not send on Enter while an input method is composing', () => {
    const onSend = vi.fn(async () => true);
    render(<Harness onSend={onSend} />);
    const box = screen.getByRole('textbox', { name: 'Message to Bob' });
    fireEvent.change(box, { target: { value: 'にほん' } });
    fireEvent.keyDown(box, { key: 'Enter', isComposing: true });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('does not send an empty message', async () => {
    const onSend = vi.fn(async () => true);
    render(<Harness onSend={onSend} />);
    await userEvent.type(screen.getByRole('textbox', { name: 'Message to Bob' }), '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
  });

  it('attaches files from the button and from a paste, and removes them again', async () => {
    render(<Harness onSend={vi.fn(async () => true)} />);
    const input = screen.getByLabelText('Choose files to attach');
    await userEvent.upload(input, new File(['abc'], 'notes.txt', { type: 'text/plain' }));
    const pasted = new File(['png'], 'shot.png', { type: 'image/png' });
    fireEvent.paste(screen.getByRole('textbox', { name: 'Message to Bob' }), { clipboardData: { files: [pasted], getData: () => '' } });
    const list = screen.getByRole('list', { name: 'Files to send' });
    expect(list.textContent).toContain('notes.txt');
    expect(list.textContent).toContain('shot.png');
    await userEvent.click(screen.getByRole('button', { name: 'Remove notes.txt' }));
    expect(screen.getByRole('list', { name: 'Files to send' }).textContent).not.toContain('notes.txt');
    expect(screen.getByRole('button', { name: 'Send message' })).toHaveProperty('disabled', false);
  });
});
