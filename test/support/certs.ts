// A throwaway certificate authority and a relay certificate for 127.0.0.1/localhost,
// made with the openssl CLI, for tests that run relays over HTTPS/WSS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly dir: string;
  /** PEM of the CA to trust (pass as `ca` to the relay client). */
  readonly caPem: string;
  readonly certPath: string;
  readonly keyPath: string;
}

export function generateTestCertificate(dir = mkdtempSync(join(tmpdir(), 'aegees-certs-'))): TestCertificate {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '7', '-subj', '/CN=Aegees Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  run('req', ...ec, '-keyout', 'relay.key', '-out', 'relay.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'relay.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  run('x509', '-req', '-in', 'relay.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'relay.pem', '-days', '7', '-extfile', 'relay.ext');
  return {
    dir,
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    certPath: join(dir, 'relay.pem'),
    keyPath: join(dir, 'relay.key'),
  };
}
