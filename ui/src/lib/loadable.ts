// What a screen reads from the core, as one state: still loading, read, or failed with the backend's error. The
// `Loadable` component draws it (the loading line, the error with Try again, the empty state, the content), and
// `ask` is the one place a failed call becomes a BackendError, for reads and for steps the person takes alike.
import { toBackendError, type BackendError } from "./backend";

export type Loadable<T> = { state: "loading" } | { state: "ready"; value: T } | { state: "error"; error: BackendError };

/** A read that has answered: what it read, or why it failed. */
export type Answer<T> = Exclude<Loadable<T>, { state: "loading" }>;

const LOADING: { state: "loading" } = { state: "loading" };

/** The state before anything was read (screens start with it, and show it again while reading anew). */
export function loading<T>(): Loadable<T> {
  return LOADING;
}

/** A value that is already known. */
export function ready<T>(value: T): Answer<T> {
  return { state: "ready", value };
}

/** Runs a backend call; resolves (never rejects) to what it answered, or to the failure as a BackendError. */
export async function ask<T>(call: () => Promise<T>): Promise<Answer<T>> {
  try {
    return ready(await call());
  } catch (reason) {
    return { state: "error", error: toBackendError(reason) };
  }
}

/** The value once read, else null. */
export function valueOf<T>(loadable: Loadable<T>): T | null {
  return loadable.state === "ready" ? loadable.value : null;
}

/** The state while reading again: a quiet reload keeps a value on screen; any other read shows loading. */
export function reloading<T>(shown: Loadable<T>, quiet: boolean): Loadable<T> {
  return quiet && shown.state === "ready" ? shown : LOADING;
}

/** The state once a reload answered: its answer, except that a failure keeps a value still on screen. */
export function reloaded<T>(shown: Loadable<T>, answer: Answer<T>): Loadable<T> {
  return answer.state === "error" && shown.state === "ready" ? shown : answer;
}

/** Whether a value read is an empty list (what the empty state is drawn for, unless a screen says otherwise). */
export function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}
