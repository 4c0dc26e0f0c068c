import { describe, expect, it } from "vitest";
import { BackendError, call, toBackendError, walletStatus, type WalletStatus } from "../src/lib/backend";

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
});
