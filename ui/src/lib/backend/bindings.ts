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

export type GrantView = { 
/**
 * Stable id, for `tessera revoke ID`.
 */
id: string, 
/**
 * `ticket`, `connection` or `about_me`.
 */
kind: string, 
/**
 * `active`, `expiring`, `expired`, `revoked` or `revocation_pending`.
 */
status: string, 
/**
 * Whose records.
 */
person: string, 
/**
 * The issuer's host.
 */
issuer: string, 
/**
 * The hospital, for a connection.
 */
hospital: string | null, 
/**
 * Unix time it ends (new connections for a ticket; the grant's end for about-me grants).
 */
expiry: number | null, 
/**
 * One line for people.
 */
summary: string, 
/**
 * An expiry warning at 30 days, 7 days and at expiry.
 */
warning: string | null, };

export type RevocationStep = { 
/**
 * What the step does, in words.
 */
what: string, 
/**
 * `done`, `pending` (will be retried) or `planned` (preview).
 */
state: string, 
/**
 * The coded failure of a pending step.
 */
error: ErrorView | null, };

/** Every IPC command: its arguments and its result. Failures reject with an ErrorView. */
export interface Commands {
  wallet_status: { args: Record<string, never>; result: WalletStatus };
  connect_hospitals: { args: Record<string, never>; result: Array<HospitalOutcome> };
  list_grants: { args: Record<string, never>; result: Array<GrantView> };
  preview_revocation: { args: { id: string }; result: Array<RevocationStep> };
  revoke_grant: { args: { id: string }; result: Array<RevocationStep> };
}

/** Every event the backend emits, with its payload. */
export interface Events {
  "connect-progress": ProgressEvent;
  "revocation-progress": RevocationStep;
}
