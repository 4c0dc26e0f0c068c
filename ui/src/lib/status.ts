import type { WalletState } from "./backend";

/** The short label shown next to the wallet's state. */
export function stateLabel(state: WalletState): string {
  switch (state) {
    case "empty":
      return "Empty";
    case "ready":
      return "Ready";
    case "locked":
      return "Locked";
  }
}

/** The counts line under the summary, e.g. "1 broker · 2 people · 3 tickets · 5 hospitals". */
export function countsLine(counts: { brokers: number; people: number; tickets: number; hospitals: number }): string {
  const part = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    part(counts.brokers, "broker", "brokers"),
    part(counts.people, "person", "people"),
    part(counts.tickets, "ticket", "tickets"),
    part(counts.hospitals, "hospital", "hospitals"),
  ].join(" · ");
}
