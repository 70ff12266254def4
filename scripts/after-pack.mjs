// electron-builder's afterPack hook (electron-builder.yml): flips Electron's fuses in the
// packed binary, before electron-builder signs it. Fuses are bits compiled into the
// Electron binary that turn features off for good, whatever the environment or command
// line says. test/unit/main/packaging.test.ts imports FUSES from here and flips them in a
// stand-in binary, so the test checks exactly what packaging applies.
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { Arch } from 'electron-builder';

export const FUSES = Object.freeze({
  version: FuseVersion.V1,
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general-purpose Node.
  [FuseV1Options.RunAsNode]: false,
  // NODE_OPTIONS could preload arbitrary code into the main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect and friends would open a debugger on the process that holds the keys.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // app.asar must match the hash electron-builder embedded (macOS and Windows check it).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // The app loads only from app.asar, never from a loose app/ folder placed beside it.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // The app serves its pages on aegees://app; file:// pages get no extra privileges.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
});

/** The fuse settings for one packed app; `arch` is electron-builder's Arch. */
export function fusesFor(electronPlatformName, arch) {
  // Flipping fuses breaks the ad-hoc signature Apple silicon requires to run at all; it is
  // renewed here and replaced by the real signature when one is configured.
  return { ...FUSES, resetAdHocDarwinSignature: electronPlatformName === 'darwin' && arch === Arch.arm64 };
}

export default async function afterPack(context) {
  await context.packager.addElectronFuses(context, fusesFor(context.electronPlatformName, context.arch));
}
