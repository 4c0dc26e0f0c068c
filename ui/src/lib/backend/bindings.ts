// Generated from the Rust types by src-tauri/bindings.rs. Do not edit by hand.

export type ErrorView = { 
/**
 * Stable dotted code, e.g. `hospital.unreachable`.
 */
code: string, 
/**
 * What happened, in plain words.
 */
message: string, 
/**
 * What the person can do next.
 */
action: string, };

export type WalletState = "empty" | "ready" | "locked";

export type WalletStatus = { 
/**
 * Tessera's version.
 */
version: string, 
/**
 * The profile's name (the last part of its folder), never a path with a user name in it.
 */
profile: string, 
/**
 * See [`WalletState`].
 */
state: WalletState, 
/**
 * Trust brokers signed in with.
 */
brokers: number, 
/**
 * People whose records can be opened.
 */
people: number, 
/**
 * Permission tickets held.
 */
tickets: number, 
/**
 * Hospitals in the directory.
 */
hospitals: number, 
/**
 * One sentence for people describing the above.
 */
summary: string, };

/** Every IPC command: its arguments and its result. Failures reject with an ErrorView. */
export interface Commands {
  wallet_status: { args: Record<string, never>; result: WalletStatus };
}

/** Every event the backend emits, with its payload. */
export interface Events {
}
