// How a person is described on their card and at the top of their page.
import type { PersonView } from "./backend";
import { strings } from "./strings";

/** The first word of a name ("Harold" of "Harold Washington"), for short sentences. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/** "Born 14 Sep 1946", or null when the birth date is not known. */
export function bornLine(person: Pick<PersonView, "born">): string | null {
  return person.born ? strings.people.born(person.born) : null;
}

/** "Your own records" or "You act as their healthcare power of attorney". */
export function relationshipLine(person: Pick<PersonView, "authority">): string {
  return person.authority ? strings.people.actsAs(person.authority) : strings.people.ownRecords;
}

/** "3 of 6 hospitals connected", or "6 hospitals" before any was connected. */
export function hospitalsLine(person: Pick<PersonView, "hospitals" | "connected">): string {
  return person.connected > 0
    ? strings.people.connected(person.connected, person.hospitals)
    : strings.people.hospitals(person.hospitals);
}

/** "Access until 12 Nov 2027", or "Access until you end it". */
export function accessLine(person: Pick<PersonView, "access_ends">): string {
  return person.access_ends ? strings.people.accessUntil(person.access_ends) : strings.people.accessOpen;
}
