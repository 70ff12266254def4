import { createContext, useContext, useState, type ReactNode } from 'react';
import type { EventPayload } from '../../common/api/contract.js';
import { useApiEvent } from '../api/ApiContext.js';

type Progress = EventPayload<'progress'>;

const ProgressContext = createContext<ReadonlyMap<string, Progress>>(new Map());

/** The latest progress report per transfer id, for attachments and backups alike. */
export function ProgressProvider({ children }: { children: ReactNode }) {
  const [reports, setReports] = useState<ReadonlyMap<string, Progress>>(new Map());
  useApiEvent('progress', (report) =>
    setReports((current) => {
      const next = new Map(current);
      if (report.total > 0 && report.done >= report.total) next.delete(report.id);
      else next.set(report.id, report);
      return next;
    }),
  );
  return <ProgressContext.Provider value={reports}>{children}</ProgressContext.Provider>;
}

export function useProgress(id: string | undefined): Progress | undefined {
  const reports = useContext(ProgressContext);
  return id === undefined ? undefined : reports.get(id);
}

/** The running report of one kind of operation, for operations with a single instance (backups). */
export function useOperationProgress(operation: Progress['operation']): Progress | undefined {
  const reports = useContext(ProgressContext);
  return [...reports.values()].find((report) => report.operation === operation);
}
