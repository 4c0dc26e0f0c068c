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

export type Phase = "discovering" | "registering" | "exchanging" | "reading" | "done" | "failed";

export type ProgressEvent = { 
/**
 * The hospital's FHIR base URL.
 */
fhir_base_url: string, 
/**
 * Its name.
 */
name: string, 
/**
 * Where it is.
 */
phase: Phase, 
/**
 * The coded failure, when `phase` is `failed`.
 */
error: ErrorView | null, 
/**
 * Resources read so far.
 */
resources: number, };

export type HospitalOutcome = { 
/**
 * FHIR base URL.
 */
fhir_base_url: string, 
/**
 * Name.
 */
name: string, 
/**
 * `connected`, `failed`, `unsupported` or `no_records`.
 */
status: string, 
/**
 * The coded failure, if any.
 */
error: ErrorView | null, 
/**
 * Resources read.
 */
resources: number, };

/** Every IPC command: its arguments and its result. Failures reject with an ErrorView. */
export interface Commands {
  wallet_status: { args: Record<string, never>; result: WalletStatus };
  connect_hospitals: { args: Record<string, never>; result: Array<HospitalOutcome> };
}

/** Every event the backend emits, with its payload. */
export interface Events {
  "connect-progress": ProgressEvent;
}
