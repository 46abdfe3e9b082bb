import { ApiTokenProviderError, describe as describeError } from "../../provider/errors";
import { UthoError } from "../../sdk";
import { registerSecret } from "../../sdk/redact";

describe("the provider's errors", () => {
  it("belong to the package's one error family, with a stable code", () => {
    const error = new ApiTokenProviderError("token 176300 is left behind");
    expect(error).toBeInstanceOf(UthoError);
    expect(error).toMatchObject({ code: "UTHO_PROVIDER", name: "ApiTokenProviderError" });
  });

  it("are redacted at construction", () => {
    registerSecret("provider-error-secret-value");
    expect(new ApiTokenProviderError("leaked provider-error-secret-value here").message).toBe(
      "leaked [REDACTED] here",
    );
  });
});

describe("describe()", () => {
  it("keeps an unexpected error's name and message, redacted", () => {
    registerSecret("described-secret-value");
    expect(describeError(new TypeError("cannot read x of described-secret-value"))).toBe(
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
