// Packaging, checked where no Electron runtime can be downloaded: electron-builder.yml
// against electron-builder's own configuration schema, the native addons it must leave
// outside the asar, the fuses the afterPack hook flips (in a stand-in binary), and the
// bundles the build writes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FuseState, SENTINEL } from '@electron/fuses/dist/constants.js';
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';
import Ajv from 'ajv';
import { Arch } from 'electron-builder';
import { load } from 'js-yaml';
import { minimatch } from 'minimatch';
import { afterAll, describe, expect, it, vi } from 'vitest';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const config = load(readFileSync(join(REPO, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  asarUnpack: string[];
  afterPack: string;
  extraMetadata: { main: string };
  files: string[];
};
const schema = JSON.parse(readFileSync(join(REPO, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
const scratch = mkdtempSync(join(tmpdir(), 'aegees-packaging-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface AfterPackModule {
  FUSES: Record<string, unknown>;
  fusesFor(platform: string, arch: number): Record<string, unknown>;
  default(context: unknown): Promise<void>;
}

async function afterPackHook(): Promise<AfterPackModule> {
  return (await import(pathToFileURL(join(REPO, config.afterPack)).href)) as AfterPackModule;
}

/** Same validator settings as electron-builder (app-builder-lib/out/util/config/schemaValidator.js), minus type coercion. */
function validator() {
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's own configuration schema", () => {
    const validate = validator();
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the same validator refuses a misspelt option (so the check above means something)', () => {
    const validate = validator();
    expect(validate({ ...config, linux: { ...(config.linux as object), targets: ['AppImage'] } })).toBe(false);
    expect(validate({ ...config, asarUnpakc: ['**/*.node'] })).toBe(false);
  });

  it('builds AppImage and deb, NSIS, and dmg', () => {
    expect(config).toMatchObject({
      linux: { target: ['AppImage', 'deb'] },
      win: { target: ['nsis'] },
      mac: { target: ['dmg'] },
    });
  });

  it("unpacks every native addon of sodium-native, keytar and the SQLite binding from the asar (electron-builder's matcher)", () => {
    for (const module of ['sodium-native', 'keytar', 'better-sqlite3-multiple-ciphers']) {
      const addons = filesUnder(join(REPO, 'node_modules', module))
        .filter((path) => path.endsWith('.node') && !path.includes('/obj.target/'))
        .map((path) => relative(REPO, path));
      expect(addons.length, module).toBeGreaterThan(0);
      for (const addon of addons) expect(config.asarUnpack.some((pattern) => minimatch(addon, pattern, { dot: true })), addon).toBe(true);
    }
  });

  it('rebuilds native modules for Electron, ships only the built app, and starts at the bundled main', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asar).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**', 'dist/renderer/**']));
    expect(config.extraMetadata.main).toBe('dist/electron/main.cjs');
    // electron-builder would flip fuses itself with this option; the hook is the one place they are set.
    expect(config).not.toHaveProperty('electronFuses');
  });
});

describe('fuses (scripts/after-pack.mjs)', () => {
  it('turn off run-as-node, NODE_OPTIONS and inspect arguments; turn on asar integrity and asar-only loading', async () => {
    const { FUSES } = await afterPackHook();
    expect(FUSES).toMatchObject({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
  });

  it('are written into the packed binary by the hook, through electron-builder\'s addElectronFuses', async () => {
    const hook = await afterPackHook();
    // A stand-in for the Electron binary: the fuse wire (sentinel, version, length, one byte
    // per fuse) between filler bytes, every fuse at its upstream default.
    const upstream = [FuseState.ENABLE, FuseState.DISABLE, FuseState.ENABLE, FuseState.ENABLE, FuseState.DISABLE, FuseState.DISABLE, FuseState.DISABLE, FuseState.ENABLE];
    const binary = join(scratch, 'aegees-desktop');
    writeFileSync(binary, Buffer.concat([Buffer.alloc(64, 7), Buffer.from(SENTINEL), Buffer.from([1, upstream.length, ...upstream]), Buffer.alloc(64, 7)]));
    const packager = { addElectronFuses: vi.fn((_context: unknown, fuses: Parameters<typeof flipFuses>[1]) => flipFuses(binary, fuses)) };

    await hook.default({ packager, electronPlatformName: 'linux', arch: Arch.x64, appOutDir: scratch });

    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
    // Fuses the hook does not set keep Electron's value.
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(upstream[FuseV1Options.EnableCookieEncryption]);
    expect(statSync(binary).size).toBe(64 + SENTINEL.length + 2 + upstream.length + 64);
  });

  it("renews the ad-hoc signature only for Apple silicon builds", async () => {
    const { fusesFor } = await afterPackHook();
    expect(fusesFor('darwin', Arch.arm64).resetAdHocDarwinSignature).toBe(true);
    expect(fusesFor('darwin', Arch.x64).resetAdHocDarwinSignature).toBe(false);
    expect(fusesFor('linux', Arch.arm64).resetAdHocDarwinSignature).toBe(false);
  });
});

describe('npm run build:electron (scripts/build-electron.mjs)', () => {
  it('bundles main, preload and engine into dist/electron; main holds no engine code, the preload needs only electron', () => {
    execFileSync(process.execPath, [join(REPO, 'scripts/build-electron.mjs')], { cwd: REPO, stdio: 'pipe' });
    const out = join(REPO, 'dist/electron');
    const main = readFileSync(join(out, 'main.cjs'), 'utf8');
    const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');
    expect(readFileSync(join(out, 'engine.cjs'), 'utf8')).toContain('src/core/messenger/messenger.ts');
    expect(join(REPO, config.extraMetadata.main)).toBe(join(out, 'main.cjs'));
    expect(main).not.toContain('src/core/');
    expect(main).not.toMatch(/require\("(sodium-native|keytar|better-sqlite3-multiple-ciphers)"\)/);
    const required = new Set([...preload.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]));
    expect([...required]).toEqual(['electron']);
  });
});
