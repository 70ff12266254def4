// Transfer progress for the UI's progress bars (backups, attachment uploads and downloads).
import type { EventPayload } from '../../common/api/contract.js';

/**
 * Progress for one operation, reported when a whole percent more is done (and at the
 * end): enough for a progress bar without one event per chunk. `id` tells apart
 * transfers of one kind that run at once (attachments); a backup is its operation.
 */
export function progressReporter(
  operation: EventPayload<'progress'>['operation'],
  send: ((report: EventPayload<'progress'>) => void) | undefined,
  id: string = operation,
): (done: number, total: number) => void {
  let lastPercent = -1;
  return (done, total) => {
    const percent = total > 0 ? Math.floor((done * 100) / total) : 100;
    if (percent === lastPercent && done < total) return;
    lastPercent = percent;
    send?.({ operation, id, done, total });
  };
}
