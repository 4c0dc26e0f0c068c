// Generated from the command list in src-tauri/commands/mod.rs by src-tauri/bindings.rs. Do not edit by hand.

import { call, type Invoker } from "./call";
import type { AboutView, ActivityArgs, ActivityView, AddHospitalArgs, BrokerArgs, DemoNetwork, ExportActivityArgs, ExportArgs, ExportResult, GrantArgs, GrantDetail, GrantView, HospitalForPersonArgs, HospitalView, ImportBrandsArgs, LoginSummary, OpenRecordArgs, PassphraseOffArgs, PersonView, PortalArgs, PortalResult, RecordView, RemoveHospitalArgs, RevocationStep, SetPassphraseArgs, Settings, SettingsArgs, SignInArgs, TicketView, UnlockArgs, WalletStatus } from "./bindings";

/**
 * The wallet's status for the first screen.
 */
export function walletStatus(invoker?: Invoker): Promise<WalletStatus> {
  return call("wallet_status", {}, invoker);
}

/**
 * Tells Rust the first screen is drawn (only the startup benchmark listens).
 */
export function firstScreen(invoker?: Invoker): Promise<null> {
  return call("first_screen", {}, invoker);
}

/**
 * The addresses of the trust brokers signed in with before.
 */
export function knownBrokers(invoker?: Invoker): Promise<Array<string>> {
  return call("known_brokers", {}, invoker);
}

/**
 * Signs in with a trust broker through the browser; rejects with `signin.cancelled` after `cancelSignIn`.
 */
export function signIn(args: SignInArgs, invoker?: Invoker): Promise<LoginSummary> {
  return call("sign_in", { args }, invoker);
}

/**
 * Cancels the sign-in under way (its pending `signIn` then rejects with `signin.cancelled`).
 */
export function cancelSignIn(invoker?: Invoker): Promise<null> {
  return call("cancel_sign_in", {}, invoker);
}

/**
 * Starts the demo network inside the app (once) and gives its broker's address.
 */
export function startDemoNetwork(invoker?: Invoker): Promise<DemoNetwork> {
  return call("start_demo_network", {}, invoker);
}

/**
 * Every person whose records the tickets open.
 */
export function listPeople(invoker?: Invoker): Promise<Array<PersonView>> {
  return call("list_people", {}, invoker);
}

/**
 * Every ticket, described in plain words.
 */
export function listTickets(invoker?: Invoker): Promise<Array<TicketView>> {
  return call("list_tickets", {}, invoker);
}

/**
 * A person's merged record; progress arrives through `onEvent("connect-progress", …)`.
 */
export function openRecord(args: OpenRecordArgs, invoker?: Invoker): Promise<RecordView> {
  return call("open_record", { args }, invoker);
}

/**
 * Tries one hospital again for a person; resolves to the whole record.
 */
export function retryHospital(args: HospitalForPersonArgs, invoker?: Invoker): Promise<RecordView> {
  return call("retry_hospital", { args }, invoker);
}

/**
 * Opens the hospital's page in the browser to confirm who the patient is, then reads it.
 */
export function confirmPatient(args: HospitalForPersonArgs, invoker?: Invoker): Promise<RecordView> {
  return call("confirm_patient", { args }, invoker);
}

/**
 * Saves the shown items (ids, in order) through a save dialog.
 */
export function exportRecord(args: ExportArgs, invoker?: Invoker): Promise<ExportResult> {
  return call("export_record", { args }, invoker);
}

/**
 * Signs in at the hospital's own patient portal for the person, in the browser (cancel with `cancelSignIn`);
 * resolves to the sign-in and, once connected, the record with that hospital read.
 */
export function signInAtPortal(args: HospitalForPersonArgs, invoker?: Invoker): Promise<PortalResult> {
  return call("sign_in_at_portal", { args }, invoker);
}

/**
 * Adds the portal's patient of a sign-in waiting for an answer as a new person, and reads them.
 */
export function confirmPortalPerson(args: PortalArgs, invoker?: Invoker): Promise<PortalResult> {
  return call("confirm_portal_person", { args }, invoker);
}

/**
 * Gives up a portal sign-in waiting for an answer: nothing is kept.
 */
export function cancelPortalSignIn(args: PortalArgs, invoker?: Invoker): Promise<null> {
  return call("cancel_portal_sign_in", { args }, invoker);
}

/**
 * The hospital directory.
 */
export function listHospitals(invoker?: Invoker): Promise<Array<HospitalView>> {
  return call("list_hospitals", {}, invoker);
}

/**
 * Adds a hospital by its FHIR address.
 */
export function addHospital(args: AddHospitalArgs, invoker?: Invoker): Promise<HospitalView> {
  return call("add_hospital", { args }, invoker);
}

/**
 * Imports a hospital list from a web address, or from a file picked in a dialog when `url` is null.
 */
export function importBrands(args: ImportBrandsArgs, invoker?: Invoker): Promise<Array<HospitalView>> {
  return call("import_brands", { args }, invoker);
}

/**
 * Removes a hospital from the directory.
 */
export function removeHospital(args: RemoveHospitalArgs, invoker?: Invoker): Promise<null> {
  return call("remove_hospital", { args }, invoker);
}

/**
 * Every grant: tickets held, connections made with them, and grants about the signed-in person.
 */
export function listGrants(invoker?: Invoker): Promise<Array<GrantView>> {
  return call("list_grants", {}, invoker);
}

/**
 * One grant in full, for its detail page.
 */
export function grantDetail(args: GrantArgs, invoker?: Invoker): Promise<GrantDetail> {
  return call("grant_detail", { args }, invoker);
}

/**
 * The steps revoking a grant would take, without doing anything.
 */
export function previewRevocation(args: GrantArgs, invoker?: Invoker): Promise<Array<RevocationStep>> {
  return call("preview_revocation", { args }, invoker);
}

/**
 * Revokes a grant everywhere (or what is left of it); steps arrive through `onEvent("revocation-progress", …)`.
 */
export function revokeGrant(args: GrantArgs, invoker?: Invoker): Promise<Array<RevocationStep>> {
  return call("revoke_grant", { args }, invoker);
}

/**
 * Tries every hospital revocation still pending again; resolves to how many are still pending.
 */
export function retryRevocations(invoker?: Invoker): Promise<number> {
  return call("retry_revocations", {}, invoker);
}

/**
 * The activity log, newest first, filtered.
 */
export function listActivity(args: ActivityArgs, invoker?: Invoker): Promise<Array<ActivityView>> {
  return call("list_activity", { args }, invoker);
}

/**
 * Saves the filtered activity log as CSV or JSON through a save dialog.
 */
export function exportActivity(args: ExportActivityArgs, invoker?: Invoker): Promise<ExportResult> {
  return call("export_activity", { args }, invoker);
}

/**
 * Locks the wallet now: secrets and records leave memory.
 */
export function lockWallet(invoker?: Invoker): Promise<null> {
  return call("lock_wallet", {}, invoker);
}

/**
 * Unlocks the wallet with the passphrase when one is set (`wallet.passphrase_wrong`, `wallet.unlock_wait`), then
 * reads the keychain again (a locked keychain is `vault.locked`).
 */
export function unlockWallet(args: UnlockArgs, invoker?: Invoker): Promise<null> {
  return call("unlock_wallet", { args }, invoker);
}

/**
 * Sets or changes the passphrase that unlocking needs (`passphrase.too_short`; changing needs the current one).
 */
export function setPassphrase(args: SetPassphraseArgs, invoker?: Invoker): Promise<null> {
  return call("set_passphrase", { args }, invoker);
}

/**
 * Turns the passphrase off (needs the current one), or chooses none at first run: the lock is a privacy screen.
 */
export function turnPassphraseOff(args: PassphraseOffArgs, invoker?: Invoker): Promise<null> {
  return call("turn_passphrase_off", { args }, invoker);
}

/**
 * The settings of this profile.
 */
export function loadSettings(invoker?: Invoker): Promise<Settings> {
  return call("load_settings", {}, invoker);
}

/**
 * Keeps new settings; resolves to them as kept.
 */
export function saveSettings(args: SettingsArgs, invoker?: Invoker): Promise<Settings> {
  return call("save_settings", { args }, invoker);
}

/**
 * Signs out of a trust broker (its refresh token is revoked there).
 */
export function signOut(args: BrokerArgs, invoker?: Invoker): Promise<null> {
  return call("sign_out", { args }, invoker);
}

/**
 * Version, where data lives, licences.
 */
export function aboutTessera(invoker?: Invoker): Promise<AboutView> {
  return call("about_tessera", {}, invoker);
}
