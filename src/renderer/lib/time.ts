const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

export function formatTime(at: number): string {
  return timeFormat.format(at);
}

export function formatFull(at: number): string {
  return fullFormat.format(at);
}

/** Local calendar day, for grouping messages under day separators. */
export function dayKey(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function dayLabel(at: number, now = Date.now()): string {
  if (dayKey(at) === dayKey(now)) return 'Today';
  if (dayKey(at) === dayKey(now - 86_400_000)) return 'Yesterday';
  return dayFormat.format(at);
}

/** Short stamp for the conversation list: the time today, the date otherwise. */
export function formatListTime(at: number, now = Date.now()): string {
  return dayKey(at) === dayKey(now) ? formatTime(at) : dateFormat.format(at);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
