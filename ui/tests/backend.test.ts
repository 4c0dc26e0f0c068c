import { describe, expect, it } from "vitest";
import {
  BackendError,
  addHospital,
  call,
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
    await signIn("https://broker.example.org", record);
    await cancelSignIn(record);
    await startDemoNetwork(record);
    await listPeople(record);
    await listTickets(record);
    await openRecord("harold", true, record);
    await retryHospital("harold", "https://mercy.example/fhir", record);
    await confirmPatient("harold", "https://grady.example/fhir", record);
    await exportRecord("harold", ["b", "a"], record);
    await listHospitals(record);
    await addHospital("https://new.example/fhir", record);
    await importBrands(null, record);
    await importBrands("https://list.example/brands.json", record);
    await removeHospital("https://mercy.example/fhir", record);
    await listGrants(record);
    await previewRevocation("g1", record);
    await revokeGrant("g1", record);
    expect(seen).toEqual([
      ["known_brokers", {}],
      ["sign_in", { args: { broker: "https://broker.example.org" } }],
      ["cancel_sign_in", {}],
      ["start_demo_network", {}],
      ["people", {}],
      ["tickets", {}],
      ["open_record", { args: { person: "harold", refresh: true } }],
      ["retry_hospital", { args: { person: "harold", hospital: "https://mercy.example/fhir" } }],
      ["confirm_patient", { args: { person: "harold", hospital: "https://grady.example/fhir" } }],
      ["export_record", { args: { person: "harold", items: ["b", "a"] } }],
      ["hospitals", {}],
      ["add_hospital", { args: { address: "https://new.example/fhir" } }],
      ["import_brands", { args: { url: null } }],
      ["import_brands", { args: { url: "https://list.example/brands.json" } }],
      ["remove_hospital", { args: { hospital: "https://mercy.example/fhir" } }],
      ["list_grants", {}],
      ["preview_revocation", { args: { id: "g1" } }],
      ["revoke_grant", { args: { id: "g1" } }],
    ]);
  });

  it("rejects a cancelled sign-in with its code, so the window can return quietly", async () => {
    const cancelled: Invoker = async () => {
      throw { code: "signin.cancelled", message: "The sign-in was cancelled.", action: "Start it again." };
    };
    await expect(signIn("https://broker.example.org", cancelled)).rejects.toMatchObject({ code: "signin.cancelled" });
  });
});
