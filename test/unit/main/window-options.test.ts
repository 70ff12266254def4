// The window's isolation settings, spelled out; the Electron spec checks the same values
// on the live window.
import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { createMainWindow } from '../../../src/main/window-options.js';

/** Records what the window would be created with. */
class FakeWindow {
  constructor(readonly options: BrowserWindowConstructorOptions) {}
}

describe('createMainWindow', () => {
  it('isolates the page: context isolation, sandbox, no Node, web security on', () => {
    const { options } = createMainWindow(FakeWindow, { preload: '/app/preload.cjs', devTools: false });
    expect(options.webPreferences).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
      devTools: false,
    });
  });

  it('stays hidden until its first frame, and has developer tools only when asked', () => {
    const { options } = createMainWindow(FakeWindow, { preload: '/app/preload.cjs', devTools: true });
    expect(options.show).toBe(false);
    expect(options.webPreferences?.devTools).toBe(true);
  });
});
