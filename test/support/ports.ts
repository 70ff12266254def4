// Ports a test server can give up and take again. A relay restarted on the same data must
// listen on the same port, or the URL in rosters and contact cards goes stale; a port the
// kernel hands out as ephemeral (what listen(0) returns) may meanwhile become the local end
// of some outgoing connection, so these come from below the ephemeral range.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port outside the ephemeral range. */
export async function reusablePort(): Promise<number> {
  const high = ephemeralRangeStart() - 1;
  const low = Math.max(1024, high - 12_000);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${low}–${high}`);
}
