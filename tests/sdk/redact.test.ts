import { inspect } from "node:util";
import { redactCredentials, SecretRedactor } from "../../sdk/redact";

describe("SecretRedactor", () => {
  it("replaces the secrets it was given wherever they occur", () => {
    // Shaped like a token name, so only being known can mask it.
    const text = "registered-secret-value at the start, a(registered-secret-value)b, registered-secret-value";
    const secrets = new SecretRedactor();
    expect(secrets.redact(text)).toBe(text);
    secrets.add("registered-secret-value");
    expect(secrets.redact(text)).toBe("[REDACTED] at the start, a([REDACTED])b, [REDACTED]");
    expect(secrets.redactKnown(text)).toBe("[REDACTED] at the start, a([REDACTED])b, [REDACTED]");
  });

  it("does not keep values too short to mask safely", () => {
    const secrets = new SecretRedactor();
    secrets.add("short");
    expect(secrets.size).toBe(0);
    expect(secrets.redact("a short name")).toBe("a short name");
  });

  it("keeps its secrets to itself: another redactor knows none of them", () => {
    const one = new SecretRedactor();
    const other = new SecretRedactor();
    one.add("only-the-first-one-knows");
    expect(one.redact("x only-the-first-one-knows")).toBe("x [REDACTED]");
    expect(other.redact("x only-the-first-one-knows")).toBe("x only-the-first-one-knows");
    expect(other.size).toBe(0);
  });

  it("shows no secret when printed", () => {
    const secrets = new SecretRedactor();
    secrets.add("printed-secret-value");
    for (const text of [
      inspect(secrets, { showHidden: true, depth: 5 }),
      JSON.stringify(secrets),
      String(secrets),
    ]) {
      expect(text).not.toContain("printed-secret-value");
    }
  });

  it("replaces them in an error in place: message, stack, string properties and causes, not hidden objects", () => {
    const secret = "error-secret-value";
    const cause = new TypeError(`socket said ${secret}`);
    const error = Object.assign(new Error(`failed with ${secret}`, { cause }), {
      reasons: [`reason ${secret}`],
      uthoMessage: `utho said ${secret}`,
    });
    const kept = { token: secret };
    Object.defineProperty(error, "minted", { value: kept, enumerable: false, writable: true });
    const secrets = new SecretRedactor();
    secrets.add(secret);
    expect(secrets.redactError(error)).toBe(error);
    expect(error.message).toBe("failed with [REDACTED]");
    expect(error.stack).toMatch(/^Error: failed with \[REDACTED\]\n/);
    expect(error.reasons).toEqual(["reason [REDACTED]"]);
    expect(error.uthoMessage).toBe("utho said [REDACTED]");
    expect(cause.message).toBe("socket said [REDACTED]");
    expect(cause.stack).not.toContain(secret);
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    // What an error keeps out of sight for the state is left as it is.
    expect((error as unknown as { minted: unknown }).minted).toEqual({ token: secret });
  });

  it("follows a cycle of causes without looping", () => {
    const a = new Error("a cyclic-secret-value");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    const secrets = new SecretRedactor();
    secrets.add("cyclic-secret-value");
    secrets.redactError(b);
    expect(a.message).toBe("a [REDACTED]");
  });
});

describe("redactCredentials", () => {
  it.each([
    ["a Bearer value", "Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]"],
    ["a 64-hex secret", `key ${"ab12".repeat(16)} end`, "key [REDACTED] end"],
    ["hex glued to a word", `key_${"ab12".repeat(16)}_x`, "key_[REDACTED]_x"],
    ["base64url", "t=Zx8Kq2LmP0vRt7YwB4nC1dE9fG3hJ5kL6mN8pQ-sT_uV", "t=[REDACTED]"],
    ["standard base64", "t=Zx8Kq2LmP0vRt7YwB4nC1dE9fG3hJ5kL6mN8pQ+/aGVsbG8=", "t=[REDACTED]"],
  ])("masks %s", (_label, text, expected) => {
    expect(redactCredentials(text)).toBe(expected);
    expect(new SecretRedactor().redact(text)).toBe(expected);
  });

  it.each([
    ["a long token name", 'token "CI-Deployer-Production-Environment-2026-Q4-Primary"'],
    ["an auto-name", 'token "ci-deployer-production-environment-a1b2c3d4"'],
    ["a short hex id", "token 176300 (sha 1a2b3c4d)"],
  ])("keeps %s", (_label, text) => {
    expect(redactCredentials(text)).toBe(text);
  });
});
