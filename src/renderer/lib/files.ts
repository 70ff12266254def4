import { LIMITS } from '../../common/api/limits.js';

export interface PendingFile {
  /** Stable key for the list of chosen files. */
  key: string;
  file: File;
}

let counter = 0;

export function toPending(files: Iterable<File>): PendingFile[] {
  return [...files].map((file) => ({ key: `f${++counter}`, file }));
}

/** Why a set of files cannot go in one message, or null when it can. */
export function attachmentProblem(files: PendingFile[]): string | null {
  if (files.length > LIMITS.maxAttachmentsPerMessage) return `At most ${LIMITS.maxAttachmentsPerMessage} files per message.`;
  // One API call carries the whole message, so the total is bounded, not just each file.
  const total = files.reduce((sum, { file }) => sum + file.size, 0);
  if (total > LIMITS.maxInlineAttachmentBytes) return `Files in one message may add up to ${Math.floor(LIMITS.maxInlineAttachmentBytes / 1024 / 1024)} MB.`;
  return null;
}

export async function toOutgoing(files: PendingFile[]) {
  return Promise.all(
    files.map(async ({ file }) => ({
      name: file.name.slice(0, LIMITS.fileNameChars) || 'file',
      mime: file.type.slice(0, 255),
      data: new Uint8Array(await file.arrayBuffer()),
    })),
  );
}

/** Image types shown inline; SVG is left out on purpose (it is a document, not a picture). */
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

export function isPreviewableImage(mime: string): boolean {
  return PREVIEWABLE.has(mime.toLowerCase());
}

/**
 * Saves bytes as a download. The blob is typed as opaque bytes so a received file can never
 * be rendered as a page in this origin, whatever its claimed type.
 */
export function saveBytes(name: string, data: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = safeFileName(name);
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A received name may carry path separators or control characters; the download gets neither. */
export function safeFileName(name: string): string {
  const cleaned = [...name].map((ch) => (ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '_' : ch)).join('');
  return cleaned.replace(/^\.+/, '_') || 'file';
}
