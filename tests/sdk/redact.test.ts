import { redactSecrets, registerSecret } from "../../sdk/redact";

describe("redactSecrets", () => {
  it("removes registered secrets wherever they occur", () => {
    // Shaped like a token name, so only its registration can mask it.
    const text = "registered-secret-value at the start, a(registered-secret-value)b, registered-secret-value";
    expect(redactSecrets(text)).toBe(text);
    registerSecret("registered-secret-value");
    expect(redactSecrets(text)).toBe("[REDACTED] at the start, a([REDACTED])b, [REDACTED]");
  });

  it("does not register values too short to mask safely", () => {
    registerSecret("short");
    expect(redactSecrets("a short name")).toBe("a short name");
  });

  it.each([
    ["a Bearer value", "Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]"],
    ["a 64-hex secret", `key ${"ab12".repeat(16)} end`, "key [REDACTED] end"],
    ["hex glued to a word", `key_${"ab12".repeat(16)}_x`, "key_[REDACTED]_x"],
    ["base64url", "t=Zx8Kq2LmP0vRt7YwB4nC1dE9fG3hJ5kL6mN8pQ-sT_uV", "t=[REDACTED]"],
    ["standard base64", "t=Zx8Kq2LmP0vRt7YwB4nC1dE9fG3hJ5kL6mN8pQ+/aGVsbG8=", "t=[REDACTED]"],
  ])("masks %s", (_label, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it.each([
    ["a long token name", 'token "CI-Deployer-Production-Environment-2026-Q4-Primary"'],
    ["an auto-name", 'token "ci-deployer-production-environment-a1b2c3d4"'],
    ["a short hex id", "token 176300 (sha 1a2b3c4d)"],
  ])("keeps %s", (_label, text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});
