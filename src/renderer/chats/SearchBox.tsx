import { Icon } from '../ui/Icon.js';

export function SearchBox({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <div className="search-box" role="search">
      <Icon name="search" size={16} />
      <input
        type="search"
        aria-label="Search all messages"
        placeholder="Search all messages"
        value={value}
        maxLength={256}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => event.key === 'Escape' && onChange('')}
      />
    </div>
  );
}
