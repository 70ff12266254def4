import { formatBytes } from '../lib/time.js';

export function ProgressBar({ label, done, total }: { label: string; done: number; total: number }) {
  const percent = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div className="progress">
      <progress aria-label={label} max={100} value={percent} />
      <span className="progress-text">
        {percent}%{total > 0 ? ` · ${formatBytes(done)} of ${formatBytes(total)}` : ''}
      </span>
    </div>
  );
}
