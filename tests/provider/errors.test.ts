import { ConfiguredProvider } from "../../provider/configured";
import {
  ApiTokenProviderError,
  describeError,
  MintedButUnfinished,
  PartialFailure,
} from "../../provider/errors";
import { UthoError } from "../../sdk";

describe("the provider's errors", () => {
  it("belong to the package's one error family, with a stable code", () => {
    const error = new ApiTokenProviderError("token 176300 is left behind");
    expect(error).toBeInstanceOf(UthoError);
    expect(error).toMatchObject({ code: "UTHO_PROVIDER", name: "ApiTokenProviderError" });
  });

  it("mask what is shaped like a credential at construction", () => {
    expect(new ApiTokenProviderError(`leaked ${"ab12".repeat(10)} here`).message).toBe(
      "leaked [REDACTED] here",
    );
  });
});

describe("ConfiguredProvider.redactError", () => {
  // Two contexts (two keys): an error of one resource may quote a secret another's client knows.
  const provider = new ConfiguredProvider({ baseUrl: "http://127.0.0.1:9/v2" });
  const first = provider.contextFor({ apiKey: "first-context-key-value" });
  const second = provider.contextFor({ apiKey: "second-context-key-value" });
  second.client.secrets.add("second-context-token-value");

  it("replaces what every context's client knows, in the message, stack, reasons and causes", () => {
    const cause = new Error("Utho said first-context-key-value");
    const error = new PartialFailure("kept second-context-token-value", "176300", {}, { cause });
    expect(provider.redactError(error)).toBe(error);
    for (const text of [
      error.message,
      error.stack ?? "",
      ...error.reasons,
      cause.message,
      cause.stack ?? "",
    ]) {
      expect(text).not.toMatch(/first-context-key-value|second-context-token-value/);
    }
    expect(first.client.secrets.size).toBe(1);
  });

  it("leaves the minted secret an error keeps for the state", () => {
    const minted = { id: "1", token: "second-context-token-value", createdAt: "2026-01-01T00:00:00Z" };
    const error = provider.redactError(new MintedButUnfinished("x second-context-token-value", minted));
    expect(error.message).toBe("x [REDACTED]");
    expect(error.minted).toEqual(minted);
  });

  it("and redact() scrubs a progress message the same way", () => {
    expect(provider.redact("retrying with second-context-key-value")).toBe("retrying with [REDACTED]");
  });
});

describe("describeError()", () => {
  it("keeps an unexpected error's name and message, with credentials masked", () => {
    expect(describeError(new TypeError(`cannot read x of ${"ab12".repeat(10)}`))).toBe(
      "TypeError: cannot read x of [REDACTED]",
    );
  });

  it("uses a package error's message as is", () => {
    expect(describeError(new ApiTokenProviderError("as is"))).toBe("as is");
  });

  it("describes a thrown non-error by its text", () => {
    expect(describeError("plain text")).toBe("plain text");
  });
});
