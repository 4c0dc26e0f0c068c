import { describe, expect, it } from "vitest";
import { hostOf } from "../src/lib/host";

describe("host from address", () => {
  it("names a broker by its host and port", () => {
    expect(hostOf("http://127.0.0.1:41234")).toBe("127.0.0.1:41234");
    expect(hostOf("http://127.0.0.1:41234/broker/")).toBe("127.0.0.1:41234");
    expect(hostOf("https://broker.example.org/")).toBe("broker.example.org");
    expect(hostOf("https://broker.example.org:443/x")).toBe("broker.example.org");
  });

  it("accepts addresses typed without a scheme, and spaces around them", () => {
    expect(hostOf("broker.example.org")).toBe("broker.example.org");
    expect(hostOf("  broker.example.org/path ")).toBe("broker.example.org");
    expect(hostOf("127.0.0.1:41234")).toBe("127.0.0.1:41234");
  });

  it("gives nothing for nothing, and the first part of something that is not a URL", () => {
    expect(hostOf("")).toBe("");
    expect(hostOf("   ")).toBe("");
    expect(hostOf("not a host/at all")).toBe("not a host");
  });
});
