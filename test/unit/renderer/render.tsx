import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { ApiProvider } from '../../../src/renderer/api/ApiContext.js';
import { App } from '../../../src/renderer/app/App.js';
import { ProgressProvider } from '../../../src/renderer/app/progress.js';
import { createFakeBackend, inProcessApi, type FakeBackend } from './fake-backend.js';

// jsdom does no layout, so every element measures 0×0 and a virtualized list would show
// nothing. The message scroller gets a fixed viewport, as a window would give it.
for (const [name, size] of [['clientHeight', 800], ['clientWidth', 900]] as const) {
  Object.defineProperty(HTMLElement.prototype, name, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('message-scroller') ? size : 0;
    },
  });
}

/** Renders a piece of UI with the API it would get in the app. */
export function renderWithApi(ui: ReactElement, backend: FakeBackend = createFakeBackend()) {
  const result = render(
    <ApiProvider api={inProcessApi(backend)}>
      <ProgressProvider>{ui}</ProgressProvider>
    </ApiProvider>,
  );
  return { ...result, backend };
}

export function renderApp(backend: FakeBackend = createFakeBackend()) {
  return { ...render(<App api={inProcessApi(backend)} />), backend };
}
