// Decrypted image previews as object URLs, kept for the most recently shown images so
// scrolling back and forth through a virtualized list does not fetch them again.
const MAX_ENTRIES = 64;
const cache = new Map<string, string>();

export function cachedPreview(key: string): string | undefined {
  const url = cache.get(key);
  if (url !== undefined) {
    cache.delete(key);
    cache.set(key, url);
  }
  return url;
}

export function storePreview(key: string, blob: Blob): string {
  const existing = cachedPreview(key);
  if (existing) return existing;
  const url = URL.createObjectURL(blob);
  cache.set(key, url);
  for (const [oldKey, oldUrl] of cache) {
    if (cache.size <= MAX_ENTRIES) break;
    cache.delete(oldKey);
    URL.revokeObjectURL(oldUrl);
  }
  return url;
}
