// Generated from the Rust types by src-tauri/bindings.rs. Do not edit by hand.

export type AboutView = { 
/**
 * Tessera's version.
 */
version: string, 
/**
 * The profile folder (the database and settings live there).
 */
profile_folder: string, 
/**
 * Where the secrets live.
 */
keychain: string, 
/**
 * Tessera's licence and those of the parts it is built from.
 */
licences: Array<string>, };

export type ActivityArgs = { 
/**
 * The filters (all optional).
 */
filter: ActivityFilter, };

export type ActivityFilter = { 
/**
 * Only entries under this person's grants (their id at the issuer).
 */
person: string | null, 
/**
 * Only this hospital (FHIR base URL).
 */
hospital: string | null, 
/**
 * Only this grant (ticket id).
 */
grant: string | null, 
/**
 * Only this kind.
 */
kind: ActivityKind | null, 
/**
 * From this time on.
 */
since: number | null, 
/**
 * Before this time.
 */
until: number | null, };

export type ActivityKind = "sign_in" | "sign_out" | "ticket_received" | "redemption" | "refresh" | "records_read" | "interaction" | "revoke" | "status_check" | "disclosure" | "portal_sign_in" | "other";

export type ActivityView = { 
/**
 * Unix time.
 */
at: number, 
/**
 * "12 Nov 2026".
 */
day: string, 
/**
 * What happened.
 */
kind: ActivityKind, 
/**
 * What happened, in words.
 */
what: string, 
/**
 * The hospital's name (its address when it is no longer in the directory).
 */
hospital: string | null, 
/**
 * The grant (ticket id).
 */
grant: string | null, 
/**
 * Whether it went well.
 */
ok: boolean, 
/**
 * `ok` or the error code.
 */
outcome: string, 
/**
 * Non-identifying detail: resource types and counts, a broker's host, a reason.
 */
detail: string | null, };

export type AddHospitalArgs = { 
/**
 * The hospital's FHIR base URL.
 */
address: string, };

export type BrokerArgs = { 
/**
 * The broker's address (from `known_brokers`).
 */
broker: string, };

export type Category = "problem" | "medication" | "allergy" | "result" | "immunization" | "visit" | "document" | "procedure";

export type ConnectionStatus = "connected" | "failed" | "unsupported" | "no_records" | "needs_confirmation" | "not_shown" | "not_covered";

export type DemoNetwork = { 
/**
 * The demo trust broker's address, to sign in with.
 */
broker: string, 
/**
 * How many hospitals it runs.
 */
hospitals: number, };

export type ErrorCode = "internal" | "input.invalid" | "app.no_display" | "vault.unavailable" | "vault.locked" | "wallet.locked" | "wallet.passphrase_wrong" | "wallet.unlock_wait" | "passphrase.too_short" | "wallet.empty" | "vault.item_missing" | "store.corrupt" | "store.too_new" | "profile.unsafe" | "store.disk_full" | "browser.unavailable" | "broker.unreachable" | "broker.invalid" | "broker.denied" | "signin.state_mismatch" | "signin.issuer_mismatch" | "signin.timeout" | "signin.cancelled" | "ticket.malformed" | "ticket.signature_invalid" | "ticket.unknown_key" | "ticket.expired" | "ticket.not_yet_valid" | "ticket.revoked" | "ticket.unsupported" | "hospital.unreachable" | "hospital.timeout" | "hospital.busy" | "hospital.server_error" | "hospital.invalid_response" | "hospital.unsupported" | "hospital.rejected" | "hospital.not_chosen" | "hospital.not_covered" | "hospital.nothing_shared" | "hospital.interaction_required" | "hospital.client_rejected" | "hospital.scope_denied" | "records.invalid" | "records.too_large" | "records.wrong_patient" | "grant.not_found" | "export.failed" | "grant.revocation_pending" | "portal.unavailable" | "portal.no_client" | "portal.config_invalid" | "portal.denied" | "portal.offline_refused" | "portal.other_patient" | "portal.new_person" | "portal.expired" | "portal.ambiguous_person" | "portal.still_connected" | "portal.patient_not_shared" | "portal.ended";

export type ErrorView = { 
/**
 * Stable dotted code, e.g. `hospital.unreachable` (in TypeScript, the union of every code in the table).
 */
code: ErrorCode, 
/**
 * What happened, in plain words.
 */
message: string, 
/**
 * What the person can do next.
 */
action: string, };

export type ExportActivityArgs = { 
/**
 * The filters (all optional).
 */
filter: ActivityFilter, 
/**
 * CSV or JSON.
 */
format: ExportFormat, };

export type ExportArgs = { 
/**
 * The person's id.
 */
person: string, 
/**
 * The ids of the items on screen, in their order.
 */
items: Array<string>, };

export type ExportFormat = "csv" | "json";

export type ExportResult = { 
/**
 * Whether a file was written (`false` when the person closed the save dialog).
 */
saved: boolean, 
/**
 * The file's name (not its folder).
 */
file_name: string | null, 
/**
 * FHIR resources written.
 */
resources: number, };

export type Flag = "high" | "low" | "critically_high" | "critically_low" | "abnormal" | "critically_abnormal";

export type GrantArgs = { 
/**
 * The grant's id (from `list_grants`).
 */
id: string, };

export type GrantDetail = { 
/**
 * The grant as listed.
 */
grant: GrantView, 
/**
 * The ticket behind it in plain words (tickets and connections).
 */
description: TicketDescription | null, 
/**
 * Where and when it was used.
 */
used: Array<GrantUse>, 
/**
 * When it ends and what happens then.
 */
ends: string, 
/**
 * What it does not share.
 */
not_shared: Array<string>, 
/**
 * The destructive action, named for what it does ("End Margaret Washington-Clarke's access").
 */
end_action: string, };

export type GrantKind = "ticket" | "connection" | "about_me" | "portal";

export type GrantStatus = "active" | "expiring" | "expired" | "revoked" | "revocation_pending" | "unchecked";

export type GrantUse = { 
/**
 * The hospital's name.
 */
hospital: string, 
/**
 * How it stands there, in words ("Connected", "Could not connect", "Revocation pending"…).
 */
state: string, 
/**
 * When it was last used there, "12 Nov 2026".
 */
last_used: string, 
/**
 * What the hospital last granted there, in words (the token's scope, one line each); empty before any grant.
 */
granted: Array<string>, };

export type GrantView = { 
/**
 * Stable id, for `tessera revoke ID`.
 */
id: string, 
/**
 * What kind of grant.
 */
kind: GrantKind, 
/**
 * Where it stands.
 */
status: GrantStatus, 
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

export type HospitalForPersonArgs = { 
/**
 * The person's id.
 */
person: string, 
/**
 * The hospital's FHIR base URL.
 */
hospital: string, };

export type HospitalOutcome = { 
/**
 * The person the ticket is about (their id at the issuer).
 */
person: string, 
/**
 * The ticket presented.
 */
ticket_id: string, 
/**
 * FHIR base URL.
 */
fhir_base_url: string, 
/**
 * Name.
 */
name: string, 
/**
 * How it ended.
 */
status: ConnectionStatus, 
/**
 * The coded failure, if any.
 */
error: ErrorView | null, 
/**
 * Resources read.
 */
resources: number, 
/**
 * What the hospital granted this time, in words (one line per scope of its token); empty when it failed.
 */
granted: Array<string>, 
/**
 * Kinds of records the hospital would not let this grant read, in words ("Documents"); the rest was read.
 */
not_available: Array<string>, 
/**
 * How the hospital was reached: with the ticket, or through its own patient portal (then `ticket_id` is the
 * portal connection's grant id).
 */
via: Via, 
/**
 * The hospital takes no permission tickets but offers its own patient-portal sign-in, which the person may
 * choose for this person ("Sign in at <hospital>'s patient portal"); it is never started on its own.
 */
portal_sign_in: boolean, };

export type HospitalSource = "hint" | "brands" | "manual";

export type HospitalView = { 
/**
 * FHIR base URL.
 */
fhir_base_url: string, 
/**
 * Name.
 */
name: string, 
/**
 * Where it came from.
 */
source: HospitalSource, 
/**
 * How many held tickets point at it.
 */
tickets: number, 
/**
 * How the last connection there went (the best across tickets); `None` before the first.
 */
status: ConnectionStatus | null, 
/**
 * When Tessera last reached it, "12 Nov 2026".
 */
last_contact: string | null, 
/**
 * The people whose tickets can be shown there.
 */
people: Array<string>, 
/**
 * The people whose records Tessera reads there through the hospital's own patient portal.
 */
portal: Array<string>, };

export type ImportBrandsArgs = { 
/**
 * An https URL of a SMART User-access Brands bundle; `null` opens a file picker.
 */
url: string | null, };

export type LoginSummary = { 
/**
 * The broker.
 */
broker: string, 
/**
 * Tickets received, described.
 */
tickets: Array<TicketView>, 
/**
 * Hospitals suggested by the broker.
 */
hospitals: number, };

export type OpenRecordArgs = { 
/**
 * The person's id (from `people`).
 */
person: string, 
/**
 * Read every hospital again.
 */
refresh: boolean, };

export type PassphraseOffArgs = { 
/**
 * The passphrase set now.
 */
current: string | null, };

export type PersonView = { 
/**
 * Their id at the issuer (use with `--person`).
 */
id: string, 
/**
 * Full name.
 */
name: string, 
/**
 * `YYYY-MM-DD`.
 */
birth_date: string | null, 
/**
 * How the user stands to them (`self`, `portal`, or the v3-RoleCode authority held, e.g. `HPOWATT`).
 */
relationship: string, 
/**
 * "14 Sep 1946".
 */
born: string | null, 
/**
 * The authority in words ("healthcare power of attorney"); `None` for the user's own records.
 */
authority: string | null, 
/**
 * Hospitals in the directory that a ticket about this person can be shown at.
 */
hospitals: number, 
/**
 * Of those, how many are connected (records were read there).
 */
connected: number, 
/**
 * When the access ends, "12 Nov 2027"; `None`: until someone ends it.
 */
access_ends: string | null, };

export type Phase = "discovering" | "registering" | "exchanging" | "reading" | "done" | "failed";

export type PortalArgs = { 
/**
 * Its id (from `sign_in_at_portal`'s `needs_confirmation` answer).
 */
id: string, };

export type PortalResult = { 
/**
 * The sign-in, in words (no secret).
 */
sign_in: PortalSignIn, 
/**
 * The record of the person it was filed under, once connected.
 */
record: RecordView | null, };

export type PortalSignIn = { 
/**
 * Where it stands.
 */
status: PortalSignInStatus, 
/**
 * The connection's grant id (`p-…`, for `tessera revoke`); while waiting for confirmation, the id to confirm or
 * cancel.
 */
id: string, 
/**
 * The hospital's name.
 */
hospital: string, 
/**
 * Its FHIR base URL.
 */
fhir_base_url: string, 
/**
 * The person it is filed under (their id), once connected.
 */
person: string | null, 
/**
 * The portal's patient, "Harold Washington".
 */
patient: string, 
/**
 * Their birth date in words, "14 Sep 1946".
 */
born: string | null, 
/**
 * Whether the sign-in added a new person.
 */
new_person: boolean, };

export type PortalSignInStatus = "connected" | "needs_confirmation";

export type ProgressEvent = { 
/**
 * The person the ticket is about (their id at the issuer).
 */
person: string, 
/**
 * The ticket presented (two tickets at one hospital are two lines).
 */
ticket_id: string, 
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
resources: number, 
/**
 * How the hospital is reached: with the ticket, or through its patient portal (then `ticket_id` is the portal
 * connection's grant id).
 */
via: Via, };

export type Protection = "unset" | "off" | "passphrase";

export type RecordItem = { 
/**
 * Stable within a merged record: the same fact from several hospitals has one id.
 */
id: string, 
/**
 * See [`Category`].
 */
category: Category, 
/**
 * "Type 2 diabetes mellitus".
 */
title: string, 
/**
 * "7.2 %", "active", "Office visit"…
 */
detail: string | null, 
/**
 * `system|code` of the main coding, if any.
 */
code: string | null, 
/**
 * The numeric value of a measurement (a lab result or vital sign), for trends.
 */
value: number | null, 
/**
 * The unit of `value` as people write it ("mmHg", "°F"; see [`unit_words`]).
 */
unit: string | null, 
/**
 * A result's reference range as the hospital gives it, "70–99 mg/dL".
 */
range: string | null, 
/**
 * A result outside its range, as the hospital reads it.
 */
flag: Flag | null, 
/**
 * A medicine's dose and instructions, "10 mg once daily".
 */
dose: string | null, 
/**
 * The FHIR status of a medicine order (`active`, `on-hold`, `stopped`, `completed`, …), for the front end to
 * word.
 */
status: string | null, 
/**
 * What a medicine is for, as the order says ("Alzheimer's disease").
 */
reason: string | null, 
/**
 * `YYYY-MM-DD` used for sorting.
 */
date: string | null, 
/**
 * Who said it.
 */
sources: Array<Source>, };

export type RecordView = { 
/**
 * Who.
 */
person: PersonView, 
/**
 * Unix time of the read, for "updated 2 minutes ago".
 */
read_at: number, 
/**
 * Each hospital's outcome.
 */
hospitals: Array<HospitalOutcome>, 
/**
 * The merged record, normalised (never raw FHIR).
 */
items: Array<RecordItem>, 
/**
 * What may be missing, one plain sentence each.
 */
missing: Array<string>, };

export type RemoveHospitalArgs = { 
/**
 * The hospital's FHIR base URL.
 */
hospital: string, };

export type RevocationStep = { 
/**
 * What the step does, in words.
 */
what: string, 
/**
 * Where the step stands.
 */
state: StepState, 
/**
 * The coded failure of a pending step.
 */
error: ErrorView | null, };

export type SetPassphraseArgs = { 
/**
 * The passphrase set now (`null` when none was set yet).
 */
current: string | null, 
/**
 * The new passphrase (at least 8 characters).
 */
new: string, };

export type Settings = { 
/**
 * Minutes without use before Tessera locks itself; 0: never.
 */
lock_after_minutes: number, 
/**
 * Lock when the computer goes to sleep or the screen locks.
 */
lock_on_sleep: boolean, 
/**
 * Desktop notifications for grants ending in 30 and 7 days and for revocations still pending.
 */
notifications: boolean, };

export type SettingsArgs = { 
/**
 * The new settings.
 */
settings: Settings, };

export type SignInArgs = { 
/**
 * The broker's base URL, as typed or picked.
 */
broker: string, };

export type Source = { 
/**
 * Hospital name.
 */
hospital: string, 
/**
 * Hospital FHIR base URL.
 */
fhir_base_url: string, 
/**
 * The date that hospital gives, "12 Nov 2025".
 */
date: string | null, 
/**
 * That entry's own detail (its prescriber, value or status), as the item's `detail` would say it.
 */
detail: string | null, 
/**
 * How its records were reached.
 */
via: Via, };

export type StepState = "planned" | "done" | "pending";

export type TicketDescription = { 
/**
 * What kind of ticket: "Self access", "Delegated access", "Public health investigation", "Research study"…
 */
kind: string, 
/**
 * "Your own records" or "Margaret Washington may access Harold Washington's records as healthcare power of attorney".
 */
headline: string, 
/**
 * Who asks for the records, when the ticket names a requester ("Wisconsin Department of Health Services").
 */
requester: string | null, 
/**
 * Why the ticket exists, one line each ("Study: Diabetes Outcomes Registry", "Purpose: patient request").
 */
purpose: Array<string>, 
/**
 * "Harold Washington, born 12 Mar 1944".
 */
patient: string, 
/**
 * Who issued it: its name (see [`describe_issued`]); [`describe`] alone gives the issuer's host.
 */
issuer: string, 
/**
 * One line per permission: "Lab results — view".
 */
access: Array<string>, 
/**
 * Every limit on what is shared: the data period, which hospitals may answer, claim linkage.
 */
limits: Array<string>, 
/**
 * Every exclusion: "Not shared: Mental health, Substance use".
 */
not_shared: Array<string>, 
/**
 * Every line after the access lines, in the spec's order — the purpose, limit and exclusion lines above
 * included — so that a front end showing `details` shows everything.
 */
details: Array<string>, };

export type TicketView = { 
/**
 * Stable id.
 */
id: string, 
/**
 * The person it is about (their id at the issuer).
 */
person: string, 
/**
 * Plain-words description.
 */
description: TicketDescription, 
/**
 * Unix expiry of this ticket itself (new presentations); the broker re-mints it before then.
 */
expires_at: number, 
/**
 * The grant's one status — the same as in the grants list (see `Wallet::ticket_state`).
 */
status: GrantStatus, 
/**
 * When the grant behind it ends (`None`: until someone ends it).
 */
ends_at: number | null, 
/**
 * What needs saying about it: revoked, not checked, or ending soon.
 */
warning: string | null, };

export type UnlockArgs = { 
/**
 * What the person typed; it stays in Rust only as long as the check takes.
 */
passphrase: string | null, };

export type Via = "ticket" | "portal";

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
summary: string, 
/**
 * How the wallet is protected when locked: the lock screen asks for the passphrase when it is one.
 */
protection: Protection, };

/** Every IPC command: its arguments and its result. Failures reject with an ErrorView. */
export interface Commands {
  wallet_status: { args: Record<string, never>; result: WalletStatus };
  first_screen: { args: Record<string, never>; result: null };
  known_brokers: { args: Record<string, never>; result: Array<string> };
  sign_in: { args: { args: SignInArgs }; result: LoginSummary };
  cancel_sign_in: { args: Record<string, never>; result: null };
  start_demo_network: { args: Record<string, never>; result: DemoNetwork };
  list_people: { args: Record<string, never>; result: Array<PersonView> };
  list_tickets: { args: Record<string, never>; result: Array<TicketView> };
  open_record: { args: { args: OpenRecordArgs }; result: RecordView };
  retry_hospital: { args: { args: HospitalForPersonArgs }; result: RecordView };
  confirm_patient: { args: { args: HospitalForPersonArgs }; result: RecordView };
  export_record: { args: { args: ExportArgs }; result: ExportResult };
  sign_in_at_portal: { args: { args: HospitalForPersonArgs }; result: PortalResult };
  confirm_portal_person: { args: { args: PortalArgs }; result: PortalResult };
  cancel_portal_sign_in: { args: { args: PortalArgs }; result: null };
  list_hospitals: { args: Record<string, never>; result: Array<HospitalView> };
  add_hospital: { args: { args: AddHospitalArgs }; result: HospitalView };
  import_brands: { args: { args: ImportBrandsArgs }; result: Array<HospitalView> };
  remove_hospital: { args: { args: RemoveHospitalArgs }; result: null };
  list_grants: { args: Record<string, never>; result: Array<GrantView> };
  grant_detail: { args: { args: GrantArgs }; result: GrantDetail };
  preview_revocation: { args: { args: GrantArgs }; result: Array<RevocationStep> };
  revoke_grant: { args: { args: GrantArgs }; result: Array<RevocationStep> };
  retry_revocations: { args: Record<string, never>; result: number };
  list_activity: { args: { args: ActivityArgs }; result: Array<ActivityView> };
  export_activity: { args: { args: ExportActivityArgs }; result: ExportResult };
  lock_wallet: { args: Record<string, never>; result: null };
  unlock_wallet: { args: { args: UnlockArgs }; result: null };
  set_passphrase: { args: { args: SetPassphraseArgs }; result: null };
  turn_passphrase_off: { args: { args: PassphraseOffArgs }; result: null };
  load_settings: { args: Record<string, never>; result: Settings };
  save_settings: { args: { args: SettingsArgs }; result: Settings };
  sign_out: { args: { args: BrokerArgs }; result: null };
  about_tessera: { args: Record<string, never>; result: AboutView };
}

/** Every event the backend emits, with its payload. */
export interface Events {
  "connect-progress": ProgressEvent;
  "revocation-progress": RevocationStep;
  "wallet-locked": null;
}
