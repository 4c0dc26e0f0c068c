// What the passphrase forms check before anything is sent: the same rule Rust applies (at least 8 characters), and
// that the two typings agree. Rust checks again; these only save a round trip and say it where the person typed.
import { strings } from "./strings";

/** The fewest characters a passphrase may have (as in Rust's `vault::passphrase::MIN_CHARS`). */
export const MIN_CHARS = 8;

/** Why a new passphrase typed as `first` and `again` cannot be kept yet, in words; null when it can. */
export function newPassphraseProblem(first: string, again: string): string | null {
  if ([...first].length < MIN_CHARS) return strings.protect.tooShort;
  if (first !== again) return strings.protect.different;
  return null;
}
