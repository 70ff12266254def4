// The unread count on the dock or launcher badge (macOS, Unity-style Linux launchers) and in
// the window title (everywhere, including Windows, whose taskbar has no numeric badge).
import type { Conversation } from '../common/api/contract.js';

export class UnreadTally {
  private readonly counts = new Map<string, number>();

  /** Replaces everything known (at start, and when the profile changes). */
  reset(conversations: readonly Pick<Conversation, 'id' | 'unreadCount'>[]): void {
    this.counts.clear();
    for (const conversation of conversations) this.update(conversation);
  }

  update(conversation: Pick<Conversation, 'id' | 'unreadCount'>): void {
    if (conversation.unreadCount > 0) this.counts.set(conversation.id, conversation.unreadCount);
    else this.counts.delete(conversation.id);
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }
}

export function windowTitle(unread: number): string {
  return unread > 0 ? `Aegees (${unread} unread)` : 'Aegees';
}
