// The choices on the Settings screen.
import type { Settings } from "./backend";
import { strings } from "./strings";

/** Minutes without use before Tessera locks itself; 0 is never. */
export const LOCK_CHOICES = [1, 5, 15, 30, 60, 0] as const;

/** A lock timeout in words: "After 1 minute", "After 15 minutes", "Never". */
export function lockWords(minutes: number): string {
  return minutes === 0 ? strings.settings.never : strings.settings.after(minutes);
}

/** The lock timeout's options; a value kept from elsewhere (another version, the command line) is listed too. */
export function lockOptions(current: number): { value: number; label: string }[] {
  const values: number[] = [...LOCK_CHOICES];
  if (!values.includes(current)) {
    values.push(current);
    values.sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
  }
  return values.map((value) => ({ value, label: lockWords(value) }));
}

/** The settings with one field changed. */
export function withChange<K extends keyof Settings>(settings: Settings, key: K, value: Settings[K]): Settings {
  return { ...settings, [key]: value };
}
