import { useMemo } from 'react';
import { create } from 'qrcode';

/**
 * Draws the QR matrix as one SVG path built from numbers: no markup string, no canvas
 * read-back. A code too long for a QR symbol says so and leaves the text version to do.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const symbol = useMemo(() => qrPath(text), [text]);
  if (!symbol) return <p className="muted small">This code is too long for a QR code; share it as text.</p>;
  const quiet = 4;
  const extent = symbol.size + quiet * 2;
  return (
    <svg className="qr" role="img" aria-label={label} viewBox={`${-quiet} ${-quiet} ${extent} ${extent}`} shapeRendering="crispEdges">
      <rect x={-quiet} y={-quiet} width={extent} height={extent} fill="#fff" />
      <path d={symbol.path} fill="#000" />
    </svg>
  );
}

export function qrPath(text: string): { size: number; path: string } | null {
  let qr: ReturnType<typeof create>;
  try {
    qr = create(text, { errorCorrectionLevel: 'M' });
  } catch {
    return null;
  }
  const { size, data } = qr.modules;
  const parts: string[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (data[y * size + x]) parts.push(`M${x} ${y}h1v1h-1z`);
    }
  }
  return { size, path: parts.join('') };
}
