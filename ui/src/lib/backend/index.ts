// The only module that talks to the Tauri runtime. Every other part of the UI imports from here, never from
// @tauri-apps/* directly, so the IPC contract is enforced in one place: bindings.ts (the types) and commands.ts
// (one function per command) are generated from Rust; call.ts makes the call.
import { listen } from "@tauri-apps/api/event";
import type { Events } from "./bindings";
import { capture, type Invoker } from "./call";
import { firstScreen } from "./commands";

export type * from "./bindings";
export * from "./call";
export * from "./commands";

/** Runs `then` once the frame after the current render has been drawn. */
const afterNextFrame = (then: () => void) => requestAnimationFrame(() => setTimeout(then, 0));

let firstScreenReported = false;

/**
 * Tells Rust, once per window, that the first screen is drawn (after the frame that follows its render). Only the
 * startup benchmark (`tessera-bench --app`) listens; otherwise Rust does nothing with it.
 */
export function reportFirstScreen(invoker?: Invoker, afterFrame: (then: () => void) => void = afterNextFrame): void {
  if (firstScreenReported) return;
  firstScreenReported = true;
  afterFrame(() => {
    firstScreen(invoker).catch(() => {});
  });
}

/** The function that subscribes to one backend event; replaceable in unit tests. */
export type Listener = (name: string, handler: (payload: unknown) => void) => Promise<() => void>;

const tauriListener: Listener = (name, handler) => listen(name, (event) => handler(event.payload));

/** Subscribes to a backend event with its typed payload; resolves to the unsubscribe function. */
export function onEvent<K extends keyof Events>(
  name: K,
  handler: (payload: Events[K]) => void,
  listener: Listener = tauriListener,
): Promise<() => void> {
  return listener(name, (payload) => {
    capture("event", name, payload);
    handler(payload as Events[K]);
  });
}
