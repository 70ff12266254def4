// The app window. Every web preference that matters for isolation is spelled out, even
// where it is Electron's default, so a changed default or a careless edit shows in review
// and fails test/unit/main/window-options.test.ts, electronegativity and the Electron spec.
// The options are written inline in the constructor call, where static analysis
// (electronegativity) can read them; the constructor is passed in, so the unit test runs
// without Electron.
import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  /** The bundled preload (one CommonJS file: a sandboxed preload can require only 'electron'). */
  readonly preload: string;
  /** Developer tools only in unpackaged builds. */
  readonly devTools: boolean;
}

export function createMainWindow<W>(BrowserWindow: new (options: BrowserWindowConstructorOptions) => W, input: WindowOptionsInput): W {
  return new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Aegees',
    // Shown once the first frame is ready, so no blank window flashes.
    show: false,
    webPreferences: {
      preload: input.preload,
      // The page gets window.aegees through contextBridge only; no Node, no Electron, no require.
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
      // Middle-click opens links in new windows; those are refused anyway, this stops the attempt.
      disableBlinkFeatures: 'Auxclick',
      // A page may not block the main process with a loop of alert() dialogs.
      safeDialogs: true,
      // Chromium's spellchecker downloads dictionaries from Google on Linux and Windows.
      spellcheck: false,
      devTools: input.devTools,
    },
  });
}
