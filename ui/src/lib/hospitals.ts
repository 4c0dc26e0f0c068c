// How a hospital in the directory is described.
import type { ConnectionStatus, HospitalView } from "./backend";
import { strings } from "./strings";

/** The hospital's status in words; "Not contacted yet" before the first connection. */
export function hospitalStatusWords(status: ConnectionStatus | null): string {
  return status === null ? strings.hospitals.status.none : strings.hospitals.status[status];
}

/** "Last reached 12 Nov 2026", or "Not reached yet". */
export function lastContactWords(hospital: Pick<HospitalView, "last_contact">): string {
  return hospital.last_contact ? strings.hospitals.lastContact(hospital.last_contact) : strings.hospitals.neverReached;
}

/** Hospitals by name, so a long list is easy to scan. */
export function sortHospitals(hospitals: HospitalView[]): HospitalView[] {
  return [...hospitals].sort((a, b) => a.name.localeCompare(b.name));
}
