import type { ErrorView } from "../src/lib/backend";
import { describe, expect, it } from "vitest";
import { BackendError } from "../src/lib/backend";
import { ask, isEmptyList, loading, ready, reloaded, reloading, valueOf, type Answer } from "../src/lib/loadable";

const down: ErrorView = { code: "hospital.unreachable", message: "The hospital is not answering.", action: "Try again later." };
const failure = (): Answer<string[]> => ({ state: "error", error: new BackendError(down) });

describe("loadable", () => {
  it("turns what a call answers into the ready state", async () => {
    expect(await ask(async () => ["Harold"])).toEqual({ state: "ready", value: ["Harold"] });
  });

  it("turns a backend failure into the error state, keeping its code, words and action", async () => {
    const answer = await ask(() => Promise.reject(down));
    expect(answer.state).toBe("error");
    if (answer.state !== "error") return;
    expect(answer.error).toBeInstanceOf(BackendError);
    expect(answer.error.code).toBe("hospital.unreachable");
    expect(answer.error.message).toBe(down.message);
    expect(answer.error.action).toBe(down.action);
  });

  it("turns anything else thrown, even synchronously, into Tessera's own internal error instead of rejecting", async () => {
    const answer = await ask<string>(() => {
      throw new TypeError("boom");
    });
    expect(answer.state === "error" && answer.error.code).toBe("internal");
  });

  it("gives the value only once read", () => {
    expect(valueOf(loading<number>())).toBeNull();
    expect(valueOf(failure())).toBeNull();
    expect(valueOf(ready(0))).toBe(0);
  });

  it("keeps a shown value through a quiet reload, and shows loading otherwise", () => {
    const shown = ready(["a"]);
    expect(reloading(shown, true)).toBe(shown);
    expect(reloading(shown, false)).toEqual({ state: "loading" });
    // Quiet or not, there is nothing to keep after a failure or while loading.
    expect(reloading(failure(), true)).toEqual({ state: "loading" });
    expect(reloading(loading<string[]>(), true)).toEqual({ state: "loading" });
  });

  it("keeps the shown value when reading it again fails, else takes the answer", () => {
    const shown = ready(["a"]);
    const error = failure();
    expect(reloaded(shown, error)).toBe(shown);
    expect(reloaded(shown, ready(["b"]))).toEqual(ready(["b"]));
    expect(reloaded(loading<string[]>(), error)).toBe(error);
    expect(reloaded(failure(), ready([]))).toEqual(ready([]));
  });

  it("counts only an empty list as empty", () => {
    expect(isEmptyList([])).toBe(true);
    expect(isEmptyList([0])).toBe(false);
    expect(isEmptyList({})).toBe(false);
    expect(isEmptyList(null)).toBe(false);
  });
});
