import type { AccountSummary } from '../../common/api/contract.js';
import { Icon, type IconName } from '../ui/Icon.js';

export type Page = 'chats' | 'contacts' | 'servers' | 'devices' | 'backup' | 'settings';

const ITEMS: { page: Page; label: string; icon: IconName }[] = [
  { page: 'chats', label: 'Chats', icon: 'chats' },
  { page: 'contacts', label: 'Contacts', icon: 'contacts' },
  { page: 'servers', label: 'Servers', icon: 'servers' },
  { page: 'devices', label: 'Devices', icon: 'devices' },
  { page: 'backup', label: 'Backup', icon: 'backup' },
  { page: 'settings', label: 'Settings', icon: 'settings' },
];

export function Nav({ page, onSelect, me }: { page: Page; onSelect: (page: Page) => void; me: AccountSummary }) {
  return (
    <nav className="nav" aria-label="Sections">
      <div className="nav-me" title={`${me.displayName} · ${me.deviceName}`} aria-hidden="true">
        {initials(me.displayName)}
      </div>
      <ul>
        {ITEMS.map((item) => (
          <li key={item.page}>
            <button type="button" className="nav-item" aria-current={page === item.page ? 'page' : undefined} onClick={() => onSelect(item.page)}>
              <Icon name={item.icon} />
              <span>{item.label}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function initials(name: string): string {
  const letters = name
    .trim()
    .split(/\s+/)
    .map((word) => [...word][0] ?? '')
    .join('');
  return [...letters].slice(0, 2).join('').toUpperCase() || '?';
}
