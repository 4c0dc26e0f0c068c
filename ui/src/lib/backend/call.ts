// How one IPC call is made: the typed `call`, the error every failure becomes, and the capture the end-to-end leak
// test reads. The functions of commands.ts (generated) call through here.
import { invoke } from "@tauri-apps/api/core";
import type { Commands, ErrorCode, ErrorView } from "./bindings";

/** A failed command, carrying the backend's `{code, message, action}`. */
export class BackendError extends Error {
  readonly code: ErrorCode;
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

/** What the end-to-end leak test sees: every command result and every event payload the window received. */
export type Captured = { kind: "response" | "event"; name: string; payload: unknown };

/**
 * Records one IPC message when, and only when, a test created `globalThis.__TESSERA_IPC_CAPTURE__` as an array
 * (the end-to-end test does, to prove no secret ever reaches the window). Nothing is kept otherwise.
 */
export function capture(kind: Captured["kind"], name: string, payload: unknown): void {
  const sink = (globalThis as { __TESSERA_IPC_CAPTURE__?: unknown }).__TESSERA_IPC_CAPTURE__;
  if (Array.isArray(sink)) sink.push({ kind, name, payload } satisfies Captured);
}

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

/** Who is told when a command answers `wallet.locked` (the wallet locked itself meanwhile): the window locks. */
const lockedListeners = new Set<() => void>();

/** Calls `listener` whenever a command answers `wallet.locked`; returns the function that stops it. */
export function onLockedAnswer(listener: () => void): () => void {
  lockedListeners.add(listener);
  return () => lockedListeners.delete(listener);
}

/** Calls a command by name with its typed arguments, resolving to its typed result. */
export async function call<K extends keyof Commands>(
  command: K,
  args: Commands[K]["args"],
  invoker: Invoker = tauriInvoker,
): Promise<Commands[K]["result"]> {
  let result: Commands[K]["result"];
  try {
    result = (await invoker(command, args as Record<string, unknown>)) as Commands[K]["result"];
  } catch (reason) {
    const error = toBackendError(reason);
    if (error.code === "wallet.locked") lockedListeners.forEach((listener) => listener());
    throw error;
  }
  capture("response", command, result);
  return result;
}
