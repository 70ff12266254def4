// The specs open the real renderer bundle, so build it once before any spec runs.
import { build } from 'vite';

export default async function globalSetup(): Promise<void> {
  await build({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, logLevel: 'error' });
}
