import type { WalletState } from "./backend";
import { strings } from "./strings";

/** The short label shown next to the wallet's state. */
export function stateLabel(state: WalletState): string {
  switch (state) {
    case "empty":
      return strings.app.stateEmpty;
    case "ready":
      return strings.app.stateReady;
    case "locked":
      return strings.app.stateLocked;
  }
}

/** The counts line under the summary, e.g. "1 broker · 2 people · 3 tickets · 5 hospitals". */
export function countsLine(counts: { brokers: number; people: number; tickets: number; hospitals: number }): string {
  return strings.app.counts(counts);
}
