// The one qrcode function the renderer uses. Declared here instead of using @types/qrcode,
// whose server-side parts pull Node's types into the renderer's typecheck.
declare module 'qrcode' {
  export interface QRCodeSymbol {
    modules: { size: number; data: Uint8Array };
  }
  export function create(text: string, options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' }): QRCodeSymbol;
}
