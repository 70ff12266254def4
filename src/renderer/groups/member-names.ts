import type { Contact } from '../../common/api/contract.js';

/**
 * A group member as the reader knows them: "You", a contact's name, or, for a member
 * someone else added who is not the reader's contact, the engine's label for them (the name
 * their card gives with the start of their account id, as on their messages).
 */
export function memberName(accountId: string, meId: string, contacts: readonly Contact[] | undefined, strangerNames: Readonly<Record<string, string>>): string {
  if (accountId === meId) return 'You';
  return contacts?.find((contact) => contact.accountId === accountId)?.displayName ?? strangerNames[accountId] ?? accountId.slice(0, 12);
}

/** The members by name, the reader first: the order the header and the members dialog show. */
export function namedMembers(
  memberIds: readonly string[],
  meId: string,
  contacts: readonly Contact[] | undefined,
  strangerNames: Readonly<Record<string, string>>,
): { accountId: string; name: string }[] {
  const named = memberIds.map((accountId) => ({ accountId, name: memberName(accountId, meId, contacts, strangerNames) }));
  return named.sort((a, b) => Number(b.accountId === meId) - Number(a.accountId === meId) || a.name.localeCompare(b.name));
}

/** Accepted contacts who are not yet members, by name: the people who can be added. */
export function addableContacts(memberIds: readonly string[], contacts: readonly Contact[] | undefined): Contact[] {
  return (contacts ?? [])
    .filter((contact) => contact.state === 'accepted' && !memberIds.includes(contact.accountId))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}
