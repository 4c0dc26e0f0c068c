// The only module that talks to the Tauri runtime. Every other part of the UI imports from here, never from
// @tauri-apps/* directly, so the IPC contract (bindings.ts, generated from Rust) is enforced in one place.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  AboutView,
  ActivityFilter,
  ActivityView,
  Commands,
  DemoNetwork,
  ErrorCode,
  ErrorView,
  Events,
  ExportFormat,
  ExportResult,
  GrantDetail,
  GrantView,
  HospitalView,
  LoginSummary,
  PersonView,
  PortalResult,
  RecordView,
  RevocationStep,
  Settings,
  TicketView,
  WalletStatus,
} from "./bindings";

export type * from "./bindings";

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

/** The wallet's status for the first screen. */
export function walletStatus(invoker?: Invoker): Promise<WalletStatus> {
  return call("wallet_status", {}, invoker);
}

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
    call("first_screen", {}, invoker).catch(() => {});
  });
}

/** The addresses of the trust brokers signed in with before. */
export function knownBrokers(invoker?: Invoker): Promise<string[]> {
  return call("known_brokers", {}, invoker);
}

/** Signs in with a trust broker through the browser; rejects with `signin.cancelled` after `cancelSignIn`. */
export function signIn(broker: string, invoker?: Invoker): Promise<LoginSummary> {
  return call("sign_in", { args: { broker } }, invoker);
}

/** Cancels the sign-in under way (its pending `signIn` then rejects with `signin.cancelled`). */
export function cancelSignIn(invoker?: Invoker): Promise<null> {
  return call("cancel_sign_in", {}, invoker);
}

/** Starts the demo network inside the app (once) and gives its broker's address. */
export function startDemoNetwork(invoker?: Invoker): Promise<DemoNetwork> {
  return call("start_demo_network", {}, invoker);
}

/** Every person whose records the tickets open. */
export function listPeople(invoker?: Invoker): Promise<PersonView[]> {
  return call("people", {}, invoker);
}

/** Every ticket, described in plain words. */
export function listTickets(invoker?: Invoker): Promise<TicketView[]> {
  return call("tickets", {}, invoker);
}

/** A person's merged record; progress arrives through `onEvent("connect-progress", …)`. */
export function openRecord(person: string, refresh: boolean, invoker?: Invoker): Promise<RecordView> {
  return call("open_record", { args: { person, refresh } }, invoker);
}

/** Tries one hospital again for a person; resolves to the whole record. */
export function retryHospital(person: string, hospital: string, invoker?: Invoker): Promise<RecordView> {
  return call("retry_hospital", { args: { person, hospital } }, invoker);
}

/** Opens the hospital's page in the browser to confirm who the patient is, then reads it. */
export function confirmPatient(person: string, hospital: string, invoker?: Invoker): Promise<RecordView> {
  return call("confirm_patient", { args: { person, hospital } }, invoker);
}

/**
 * Signs in at the hospital's own patient portal for the person, in the browser (cancel with `cancelSignIn`); resolves
 * to the sign-in and, once connected, the record with that hospital read.
 */
export function signInAtPortal(person: string, hospital: string, invoker?: Invoker): Promise<PortalResult> {
  return call("sign_in_at_portal", { args: { person, hospital } }, invoker);
}

/** Adds the portal's patient of a sign-in waiting for an answer as a new person, and reads them. */
export function confirmPortalPerson(id: string, invoker?: Invoker): Promise<PortalResult> {
  return call("confirm_portal_person", { args: { id } }, invoker);
}

/** Gives up a portal sign-in waiting for an answer: nothing is kept. */
export function cancelPortalSignIn(id: string, invoker?: Invoker): Promise<null> {
  return call("cancel_portal_sign_in", { args: { id } }, invoker);
}

/** Saves the shown items (ids, in order) through a save dialog. */
export function exportRecord(person: string, items: string[], invoker?: Invoker): Promise<ExportResult> {
  return call("export_record", { args: { person, items } }, invoker);
}

/** The hospital directory. */
export function listHospitals(invoker?: Invoker): Promise<HospitalView[]> {
  return call("hospitals", {}, invoker);
}

/** Adds a hospital by its FHIR address. */
export function addHospital(address: string, invoker?: Invoker): Promise<HospitalView> {
  return call("add_hospital", { args: { address } }, invoker);
}

/** Imports a hospital list from a web address, or from a file picked in a dialog when `url` is null. */
export function importBrands(url: string | null, invoker?: Invoker): Promise<HospitalView[]> {
  return call("import_brands", { args: { url } }, invoker);
}

/** Removes a hospital from the directory. */
export function removeHospital(hospital: string, invoker?: Invoker): Promise<null> {
  return call("remove_hospital", { args: { hospital } }, invoker);
}

/** Every grant: tickets held, connections made with them, and grants about the signed-in person. */
export function listGrants(invoker?: Invoker): Promise<GrantView[]> {
  return call("list_grants", {}, invoker);
}

/** One grant in full, for its detail page. */
export function grantDetail(id: string, invoker?: Invoker): Promise<GrantDetail> {
  return call("grant_detail", { args: { id } }, invoker);
}

/** The steps revoking a grant would take, without doing anything. */
export function previewRevocation(id: string, invoker?: Invoker): Promise<RevocationStep[]> {
  return call("preview_revocation", { args: { id } }, invoker);
}

/** Revokes a grant everywhere (or what is left of it); steps arrive through `onEvent("revocation-progress", …)`. */
export function revokeGrant(id: string, invoker?: Invoker): Promise<RevocationStep[]> {
  return call("revoke_grant", { args: { id } }, invoker);
}

/** Tries every hospital revocation still pending again; resolves to how many are still pending. */
export function retryRevocations(invoker?: Invoker): Promise<number> {
  return call("retry_revocations", {}, invoker);
}

/** The activity log, newest first, filtered. */
export function listActivity(filter: ActivityFilter, invoker?: Invoker): Promise<ActivityView[]> {
  return call("activity", { args: { filter } }, invoker);
}

/** Saves the filtered activity log as CSV or JSON through a save dialog. */
export function exportActivity(filter: ActivityFilter, format: ExportFormat, invoker?: Invoker): Promise<ExportResult> {
  return call("export_activity", { args: { filter, format } }, invoker);
}

/** Locks the wallet now: secrets and records leave memory. */
export function lockWallet(invoker?: Invoker): Promise<null> {
  return call("lock", {}, invoker);
}

/** Unlocks the wallet (reads the keychain again; a locked keychain is `vault.locked`). */
export function unlockWallet(invoker?: Invoker): Promise<null> {
  return call("unlock", {}, invoker);
}

/** The settings of this profile. */
export function loadSettings(invoker?: Invoker): Promise<Settings> {
  return call("settings", {}, invoker);
}

/** Keeps new settings; resolves to them as kept. */
export function saveSettings(settings: Settings, invoker?: Invoker): Promise<Settings> {
  return call("save_settings", { args: { settings } }, invoker);
}

/** Signs out of a trust broker (its refresh token is revoked there). */
export function signOut(broker: string, invoker?: Invoker): Promise<null> {
  return call("sign_out", { args: { broker } }, invoker);
}

/** Version, where data lives, licences. */
export function aboutTessera(invoker?: Invoker): Promise<AboutView> {
  return call("about", {}, invoker);
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
