// One extra plain line for the errors where it helps; the backend's own message and action are always shown too.
import { strings } from "./strings";

/** A short hint for a coded error, or null when the backend's message and action say enough. */
export function hintFor(code: string): string | null {
  return Object.prototype.hasOwnProperty.call(strings.errors.hints, code) ? strings.errors.hints[code] : null;
}
