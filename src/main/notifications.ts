// Desktop notifications for messages that arrive while the window is not in front. With
// "Show message text in notifications" off (Settings.notificationPreviews), a notification
// says only that something arrived: no text, no file name, no sender. Messages that pile up
// unseen share one notification that counts them, instead of one each (a backlog after a
// night offline would otherwise be a wall of them).
import type { Message, Settings } from '../common/api/contract.js';

export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

const PREVIEW_CHARS = 140;

function preview(message: Pick<Message, 'text' | 'attachments'>): string {
  const text = message.text.replace(/\s+/g, ' ').trim();
  if (text) return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
  const files = message.attachments;
  if (files.length === 1) return `File: ${files[0]!.name}`;
  return files.length > 1 ? `${files.length} files` : 'New message';
}

/** What one notification says about `unseen` messages, `latest` being the newest. */
export function notificationText(unseen: number, latest: Pick<Message, 'senderName' | 'text' | 'attachments'>, previews: boolean): NotificationText {
  if (!previews) return { title: 'Aegees', body: unseen > 1 ? `${unseen} new messages` : 'New message' };
  if (unseen > 1) return { title: 'Aegees', body: `${unseen} new messages. Latest from ${latest.senderName}: ${preview(latest)}` };
  return { title: latest.senderName, body: preview(latest) };
}

export interface NotifierDeps {
  isWindowFocused(): boolean;
  settings(): Promise<Pick<Settings, 'notificationPreviews'>>;
  /** Shows the notification, replacing the one shown before. */
  show(text: NotificationText): void;
}

export interface MessageNotifier {
  /** For each messageAdded event. */
  messageAdded(message: Message): Promise<void>;
  /** The person looked at the window: what was unseen is seen. */
  windowFocused(): void;
}

export function createMessageNotifier(deps: NotifierDeps): MessageNotifier {
  let unseen = 0;
  return {
    async messageAdded(message) {
      // Sent from here or from another of my devices: nothing to tell.
      if (message.fromMe || deps.isWindowFocused()) return;
      unseen += 1;
      const count = unseen;
      // Read at each message, so a change in Settings applies to the very next notification.
      const { notificationPreviews } = await deps.settings();
      // A newer message may have been counted meanwhile; its notification covers this one.
      if (count === unseen) deps.show(notificationText(count, message, notificationPreviews));
    },
    windowFocused() {
      unseen = 0;
    },
  };
}
