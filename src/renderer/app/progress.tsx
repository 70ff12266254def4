import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import type { EventPayload } from '../../common/api/contract.js';
import { useApiEvent } from '../api/ApiContext.js';

type Progress = EventPayload<'progress'>;

const ProgressContext = createContext<ReadonlyMap<string, Progress>>(new Map());

/** A file download for a message not shown yet (the contract's `conversation:sender:message` id). */
export interface IncomingFiles {
  readonly conversationId: string;
  readonly senderAccountId: string;
  readonly messageId: string;
  readonly done: number;
  readonly total: number;
}

export function parseIncomingId(id: string): Pick<IncomingFiles, 'conversationId' | 'senderAccountId' | 'messageId'> | undefined {
  const parts = id.split(':');
  if (parts.length !== 3 || parts.some((part) => part === '')) return undefined;
  const [conversationId, senderAccountId, messageId] = parts as [string, string, string];
  return { conversationId, senderAccountId, messageId };
}

/**
 * The latest progress report per transfer id, for attachments and backups alike. A
 * transfer ends with its last report (done reaching total), or with total 0 for an
 * attachment transfer that stopped unfinished (it is tried again later). A download
 * stays at its end until its message arrives: the message is stored only after its files
 * are verified, a moment after the last byte.
 */
export function ProgressProvider({ children }: { children: ReactNode }) {
  const [reports, setReports] = useState<ReadonlyMap<string, Progress>>(new Map());
  useApiEvent('progress', (report) =>
    setReports((current) => {
      const next = new Map(current);
      const attachment = report.operation === 'attachment-upload' || report.operation === 'attachment-download';
      const finished = report.total > 0 && report.done >= report.total;
      if ((attachment && report.total === 0) || (finished && report.operation !== 'attachment-download')) next.delete(report.id);
      else next.set(report.id, report);
      return next;
    }),
  );
  useApiEvent('messageAdded', (message) =>
    setReports((current) => {
      const done = [...current.values()].filter((report) => report.operation === 'attachment-download' && parseIncomingId(report.id)?.messageId === message.id);
      if (done.length === 0) return current;
      const next = new Map(current);
      for (const report of done) next.delete(report.id);
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

/** Messages with files on their way into this conversation, oldest report first. */
export function useIncomingFiles(conversationId: string): IncomingFiles[] {
  const reports = useContext(ProgressContext);
  return useMemo(
    () =>
      [...reports.values()].flatMap((report) => {
        if (report.operation !== 'attachment-download') return [];
        const parsed = parseIncomingId(report.id);
        return parsed?.conversationId === conversationId ? [{ ...parsed, done: report.done, total: report.total }] : [];
      }),
    [reports, conversationId],
  );
}
