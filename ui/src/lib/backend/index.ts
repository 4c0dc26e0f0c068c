// The only module that talks to the Tauri runtime. Every other part of the UI imports from here, never from
// @tauri-apps/* directly, so the IPC contract (bindings.ts, generated from Rust) is enforced in one place.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Commands, ErrorView, Events, HospitalOutcome, WalletStatus } from "./bindings";

export type * from "./bindings";

/** A failed command, carrying the backend's `{code, message, action}`. */
export class BackendError extends Error {
  readonly code: string;
  readonly action: string;

  constructor(view: ErrorView) {
    super(view.message);
    this.name = "BackendError";
    this.code = view.code;
    this.action = view.action;
  }
}

/** The function that performs one IPC call; replaceable in unit tests. */
export type Invoker = (command: string, args: Record<string, unknown>) => Promise<unknown>;

const tauriInvoker: Invoker = (command, args) => invoke(command, args);

/** Turns whatever a failed call rejected with into a BackendError. */
export function toBackendError(reason: unknown): BackendError {
  if (reason && typeof reason === "object" && "code" in reason && "message" in reason && "action" in reason) {
    return new BackendError(reason as ErrorView);
  }
  return new BackendError({
    code: "internal",
    message: "Tessera's window could not reach its core.",
    action: "Restart Tessera; nothing was lost.",
  });
}

/** Calls a command by name with its typed arguments, resolving to its typed result. */
export async function call<K extends keyof Commands>(
  command: K,
  args: Commands[K]["args"],
  invoker: Invoker = tauriInvoker,
): Promise<Commands[K]["result"]> {
  try {
    return (await invoker(command, args as Record<string, unknown>)) as Commands[K]["result"];
  } catch (reason) {
    throw toBackendError(reason);
  }
}

/** The wallet's status for the first screen. */
export function walletStatus(invoker?: Invoker): Promise<WalletStatus> {
  return call("wallet_status", {}, invoker);
}

/** Connects to every hospital; progress arrives through `onEvent("connect-progress", …)`. */
export function connectHospitals(invoker?: Invoker): Promise<HospitalOutcome[]> {
  return call("connect_hospitals", {}, invoker);
}

/** Subscribes to a backend event with its typed payload; resolves to the unsubscribe function. */
export function onEvent<K extends keyof Events>(name: K, handler: (payload: Events[K]) => void): Promise<() => void> {
  return listen<Events[K]>(name, (event) => handler(event.payload));
}
