import { afterEach, describe, expect, it } from "vitest";
import {
  BackendError,
  aboutTessera,
  addHospital,
  call,
  capture,
  exportActivity,
  grantDetail,
  listActivity,
  loadSettings,
  lockWallet,
  onEvent,
  onLockedAnswer,
  retryRevocations,
  saveSettings,
  signOut,
  unlockWallet,
  setPassphrase,
  turnPassphraseOff,
  type Listener,
  cancelSignIn,
  confirmPatient,
  exportRecord,
  importBrands,
  knownBrokers,
  listGrants,
  listHospitals,
  listPeople,
  listTickets,
  openRecord,
  previewRevocation,
  reportFirstScreen,
  removeHospital,
  retryHospital,
  revokeGrant,
  signIn,
  startDemoNetwork,
  toBackendError,
  walletStatus,
  type Invoker,
  type WalletStatus,
} from "../src/lib/backend";

const status: WalletStatus = {
  version: "0.1.0",
  profile: "alice",
  state: "empty",
  brokers: 0,
  people: 0,
  tickets: 0,
  hospitals: 0,
  summary: "Your wallet is empty.",
  protection: "unset",
};

describe("backend", () => {
  it("calls the command by its Rust name and returns its result", async () => {
    const calls: string[] = [];
    const result = await walletStatus(async (command) => {
      calls.push(command);
      return status;
    });
    expect(calls).toEqual(["wallet_status"]);
    expect(result.profile).toBe("alice");
  });

  it("reports the first screen once, after the frame that follows it", async () => {
    const calls: string[] = [];
    const frames: (() => void)[] = [];
    const invoker: Invoker = async (command) => {
      calls.push(command);
      return null;
    };
    reportFirstScreen(invoker, (then) => frames.push(then));
    reportFirstScreen(invoker, (then) => frames.push(then));
    expect(calls).toEqual([]);
    expect(frames).toHaveLength(1);
    frames[0]();
    await Promise.resolve();
    expect(calls).toEqual(["first_screen"]);
  });

  it("turns a coded backend error into a BackendError with code and action", async () => {
    const failing = async () => {
      throw { code: "vault.locked", message: "The system keychain is locked.", action: "Unlock it." };
    };
    await expect(call("wallet_status", {}, failing)).rejects.toMatchObject({
      code: "vault.locked",
      message: "The system keychain is locked.",
      action: "Unlock it.",
    });
  });

  it("tells the window when a command finds the wallet locked, and only then", async () => {
    let told = 0;
    const stop = onLockedAnswer(() => told++);
    const answering = (code: string) => async () => {
      throw { code, message: "m", action: "a" };
    };
    await expect(call("list_people", {}, answering("wallet.locked"))).rejects.toMatchObject({ code: "wallet.locked" });
    await expect(call("list_people", {}, answering("vault.locked"))).rejects.toMatchObject({ code: "vault.locked" });
    expect(told).toBe(1);
    stop();
    await expect(call("list_people", {}, answering("wallet.locked"))).rejects.toBeInstanceOf(BackendError);
    expect(told).toBe(1);
  });

  it("never shows a bare string as an error", () => {
    const error = toBackendError("IPC broke");
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe("internal");
    expect(error.message).not.toContain("IPC broke");
  });

  it("sends every command its Rust name and its arguments as one object named args", async () => {
    const seen: [string, Record<string, unknown>][] = [];
    const record: Invoker = async (command, args) => {
      seen.push([command, args]);
      return null;
    };
    await knownBrokers(record);
    await signIn({ broker: "https://broker.example.org" }, record);
    await cancelSignIn(record);
    await startDemoNetwork(record);
    await listPeople(record);
    await listTickets(record);
    await openRecord({ person: "harold", refresh: true }, record);
    await retryHospital({ person: "harold", hospital: "https://mercy.example/fhir" }, record);
    await confirmPatient({ person: "harold", hospital: "https://grady.example/fhir" }, record);
    await exportRecord({ person: "harold", items: ["b", "a"] }, record);
    await listHospitals(record);
    await addHospital({ address: "https://new.example/fhir" }, record);
    await importBrands({ url: null }, record);
    await importBrands({ url: "https://list.example/brands.json" }, record);
    await removeHospital({ hospital: "https://mercy.example/fhir" }, record);
    await listGrants(record);
    await previewRevocation({ id: "g1" }, record);
    await revokeGrant({ id: "g1" }, record);
    await grantDetail({ id: "g1" }, record);
    await retryRevocations(record);
    const filter = { person: "harold", hospital: null, grant: null, kind: "revoke" as const, since: 1_800_000_000, until: null };
    await listActivity({ filter }, record);
    await exportActivity({ filter, format: "csv" }, record);
    await lockWallet(record);
    await unlockWallet({ passphrase: "a long passphrase" }, record);
    await setPassphrase({ current: null, new: "a long passphrase" }, record);
    await turnPassphraseOff({ current: "a long passphrase" }, record);
    await loadSettings(record);
    await saveSettings({ settings: { lock_after_minutes: 5, lock_on_sleep: true, notifications: false } }, record);
    await signOut({ broker: "https://broker.example.org" }, record);
    await aboutTessera(record);
    expect(seen).toEqual([
      ["known_brokers", {}],
      ["sign_in", { args: { broker: "https://broker.example.org" } }],
      ["cancel_sign_in", {}],
      ["start_demo_network", {}],
      ["list_people", {}],
      ["list_tickets", {}],
      ["open_record", { args: { person: "harold", refresh: true } }],
      ["retry_hospital", { args: { person: "harold", hospital: "https://mercy.example/fhir" } }],
      ["confirm_patient", { args: { person: "harold", hospital: "https://grady.example/fhir" } }],
      ["export_record", { args: { person: "harold", items: ["b", "a"] } }],
      ["list_hospitals", {}],
      ["add_hospital", { args: { address: "https://new.example/fhir" } }],
      ["import_brands", { args: { url: null } }],
      ["import_brands", { args: { url: "https://list.example/brands.json" } }],
      ["remove_hospital", { args: { hospital: "https://mercy.example/fhir" } }],
      ["list_grants", {}],
      ["preview_revocation", { args: { id: "g1" } }],
      ["revoke_grant", { args: { id: "g1" } }],
      ["grant_detail", { args: { id: "g1" } }],
      ["retry_revocations", {}],
      ["list_activity", { args: { filter } }],
      ["export_activity", { args: { filter, format: "csv" } }],
      ["lock_wallet", {}],
      ["unlock_wallet", { args: { passphrase: "a long passphrase" } }],
      ["set_passphrase", { args: { current: null, new: "a long passphrase" } }],
      ["turn_passphrase_off", { args: { current: "a long passphrase" } }],
      ["load_settings", {}],
      ["save_settings", { args: { settings: { lock_after_minutes: 5, lock_on_sleep: true, notifications: false } } }],
      ["sign_out", { args: { broker: "https://broker.example.org" } }],
      ["about_tessera", {}],
    ]);
  });

  it("rejects a cancelled sign-in with its code, so the window can return quietly", async () => {
    const cancelled: Invoker = async () => {
      throw { code: "signin.cancelled", message: "The sign-in was cancelled.", action: "Start it again." };
    };
    await expect(signIn({ broker: "https://broker.example.org" }, cancelled)).rejects.toMatchObject({ code: "signin.cancelled" });
  });
});

describe("IPC capture hook", () => {
  const g = globalThis as { __TESSERA_IPC_CAPTURE__?: unknown };

  afterEach(() => {
    delete g.__TESSERA_IPC_CAPTURE__;
  });

  /** A listener that hands the handler to the test, to deliver payloads by hand. */
  function fakeListener(): { listener: Listener; deliver: (payload: unknown) => void; names: string[]; stopped: () => boolean } {
    let handler: ((payload: unknown) => void) | null = null;
    let stopped = false;
    const names: string[] = [];
    return {
      names,
      listener: async (name, h) => {
        names.push(name);
        handler = h;
        return () => {
          stopped = true;
        };
      },
      deliver: (payload) => handler?.(payload),
      stopped: () => stopped,
    };
  }

  it("records every successful command result when a test created the array", async () => {
    const captured: unknown[] = [];
    g.__TESSERA_IPC_CAPTURE__ = captured;
    await walletStatus(async () => status);
    await listGrants(async () => []);
    expect(captured).toEqual([
      { kind: "response", name: "wallet_status", payload: status },
      { kind: "response", name: "list_grants", payload: [] },
    ]);
  });

  it("records no failure (an error is not a response)", async () => {
    const captured: unknown[] = [];
    g.__TESSERA_IPC_CAPTURE__ = captured;
    const failing = async () => {
      throw { code: "vault.locked", message: "Locked.", action: "Unlock it." };
    };
    await expect(unlockWallet({ passphrase: null }, failing)).rejects.toBeInstanceOf(BackendError);
    expect(captured).toEqual([]);
  });

  it("records each event payload before handing it on", async () => {
    const captured: unknown[] = [];
    g.__TESSERA_IPC_CAPTURE__ = captured;
    const fake = fakeListener();
    const seen: unknown[] = [];
    const stop = await onEvent(
      "revocation-progress",
      (step) => {
        seen.push(step);
        // The capture already holds the payload when the handler runs.
        expect(captured).toHaveLength(seen.length);
      },
      fake.listener,
    );
    const step = { what: "Ask broker.example to revoke this permission", state: "done", error: null };
    fake.deliver(step);
    fake.deliver(null);
    expect(fake.names).toEqual(["revocation-progress"]);
    expect(seen).toEqual([step, null]);
    expect(captured).toEqual([
      { kind: "event", name: "revocation-progress", payload: step },
      { kind: "event", name: "revocation-progress", payload: null },
    ]);
    stop();
    expect(fake.stopped()).toBe(true);
  });

  it("keeps nothing when no test created the array, or when it is not an array", async () => {
    expect(g.__TESSERA_IPC_CAPTURE__).toBeUndefined();
    await walletStatus(async () => status);
    const fake = fakeListener();
    const seen: unknown[] = [];
    await onEvent("wallet-locked", (payload) => seen.push(payload), fake.listener);
    fake.deliver(null);
    expect(seen).toEqual([null]);
    expect(g.__TESSERA_IPC_CAPTURE__).toBeUndefined();
    g.__TESSERA_IPC_CAPTURE__ = { push: () => {
      throw new Error("must not be called");
    } };
    expect(() => capture("response", "x", 1)).not.toThrow();
  });
});
