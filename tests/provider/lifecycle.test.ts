/**
 * The token lifecycle: `keepers` (any change mints a new token), `verify` (a new secret must
 * authenticate before create returns), `onMissing` (what refresh does about a token deleted
 * outside Pulumi), the `fingerprint` output, and `rotateAfter` with the provider's clock set
 * through UTHO_TOKENS_NOW (nothing sleeps to reach a date).
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { startEmulator } from "../../emulator";
import { checkInputs } from "../../provider/check";
import { ProviderContext } from "../../provider/context";
import { createToken, deleteToken, readToken, updateToken } from "../../provider/crud";
import { diffToken } from "../../provider/diff";
import { fingerprintOf } from "../../provider/fingerprint";
import { isDue, rotationDueAt } from "../../provider/rotation";
import type { ApiTokenInputs } from "../../provider/types";
import { authenticates, clientFor, useEmulator } from "../support/emulator";
import { testProvider } from "../support/provider";

const emulator = useEmulator({ retryAfterSeconds: 0 });
const inputs: ApiTokenInputs = { name: "ci-deployer-1a2b3c4d", scope: "write", autoNamed: true };
const accountInfo = () => emulator.current.countRequests("GET", "/v2/account/info");

describe("fingerprint", () => {
  it("is sha256: and the first 16 hex characters of the secret's SHA-256, in the outputs of a mint", async () => {
    const { outs } = await createToken(testProvider(emulator.current).context(), inputs);
    const digest = createHash("sha256")
      .update(outs.token as string)
      .digest("hex");
    expect(outs.fingerprint).toBe(`sha256:${digest.slice(0, 16)}`);
    expect(fingerprintOf("abc")).toBe("sha256:ba7816bf8f01cfea");
  });

  it("is added by a refresh to a state written before fingerprints existed", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), inputs);
    const { fingerprint, ...older } = outs;
    expect((await readToken(testProvider(emulator.current).context(), id, older)).props.fingerprint).toBe(
      fingerprint,
    );
  });
});

describe("keepers", () => {
  const olds = { name: "n", scope: "read" as const, createdAt: "x", keepers: { image: "v1", region: "in" } };
  it("replace the token when a value, a key or the map's presence changes", () => {
    expect(diffToken("1", olds, { ...olds, keepers: { image: "v2", region: "in" } }).replaces).toEqual([
      "keepers",
    ]);
    expect(diffToken("1", olds, { ...olds, keepers: { image: "v1" } }).replaces).toEqual(["keepers"]);
    expect(diffToken("1", olds, { name: "n", scope: "read" }).replaces).toEqual(["keepers"]);
  });

  it("compare by content, not by the order the program built the map in", () => {
    expect(diffToken("1", olds, { ...olds, keepers: { region: "in", image: "v1" } })).toMatchObject({
      changes: false,
      replaces: [],
    });
  });

  it("are kept in the outputs", async () => {
    const { outs } = await createToken(testProvider(emulator.current).context(), {
      ...inputs,
      keepers: { image: "v1" },
    });
    expect(outs.keepers).toEqual({ image: "v1" });
  });
});

describe("verify", () => {
  it("authenticates the new secret once before create returns (on by default)", async () => {
    await createToken(testProvider(emulator.current).context(), inputs);
    // The provider's own account lookup, then the new token's.
    expect(accountInfo()).toBe(2);
  });

  it("is skipped with verify: false", async () => {
    await createToken(testProvider(emulator.current).context(), { ...inputs, verify: false });
    expect(accountInfo()).toBe(1);
  });

  it("asks again while Utho still refuses a new secret, and returns once it is accepted", async () => {
    const lagging = await startEmulator({ propagationMs: 300 });
    try {
      const reports: string[] = [];
      const settle = {
        delaysMs: [150, 150, 150, 150],
        sleep: (ms: number) => sleep(ms),
        now: () => performance.now(),
      };
      const ctx = new ProviderContext(clientFor(lagging), settle, (m) => reports.push(m));
      const { outs } = await createToken(ctx, inputs);
      expect(await authenticates(lagging, outs.token)).toBe(true);
      expect(
        lagging.requests.filter((r) => r.path === "/v2/account/info" && r.status === 401).length,
      ).toBeGreaterThan(0);
    } finally {
      await lagging.close();
    }
  });

  it("revokes a token whose secret is never accepted within the window, and fails naming it", async () => {
    const never = await startEmulator({ propagationMs: 3_600_000 });
    try {
      const t = testProvider(never);
      await expect(createToken(t.context(), inputs)).rejects.toThrow(
        /^Token "ci-deployer-1a2b3c4d" \(id \d+\) was minted, but its secret did not authenticate within 7\.8 s \(.*HTTP 401.*\), so it was revoked\./,
      );
      expect(never.listTokens()).toEqual([]);
    } finally {
      await never.close();
    }
  });
});

describe("onMissing", () => {
  it('"recreate" (the default) has a refresh drop a token deleted outside Pulumi', async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), inputs);
    emulator.current.deleteTokenOutOfBand(id);
    expect((await readToken(testProvider(emulator.current).context(), id, outs)).id).toBe("");
  });

  it('"fail" stops the refresh, naming the token', async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), { ...inputs, onMissing: "fail" });
    expect(outs.onMissing).toBe("fail");
    emulator.current.deleteTokenOutOfBand(id);
    await expect(readToken(testProvider(emulator.current).context(), id, outs)).rejects.toThrow(
      `Token ${id} ("ci-deployer-1a2b3c4d") was deleted outside Pulumi, and its onMissing is "fail".`,
    );
  });

  it("changes in place, with verify, sending nothing to Utho", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), inputs);
    const news = { ...inputs, onMissing: "fail" as const, verify: false };
    expect(diffToken(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    emulator.current.resetRequests();
    const updated = await updateToken(t.context(), id, outs, news);
    expect(updated.outs).toEqual({ ...outs, onMissing: "fail", verify: false });
    expect(emulator.current.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });
});

describe("rotateAfter", () => {
  const day = 86_400_000;
  const createdAt = "2026-12-01 00:00:00";
  const olds = { name: "n", scope: "read" as const, createdAt, rotateAfter: "90d" };
  const at = (iso: string) => ({ UTHO_TOKENS_NOW: iso });
  const saved = process.env.UTHO_TOKENS_NOW;
  afterEach(() => {
    if (saved === undefined) delete process.env.UTHO_TOKENS_NOW;
    else process.env.UTHO_TOKENS_NOW = saved;
  });

  it("is due at Utho's created_at plus the duration, exactly then and after, not a millisecond before", () => {
    const due = rotationDueAt(createdAt, "90d");
    expect(due).toBe("2027-03-01T00:00:00.000Z");
    expect(rotationDueAt(createdAt, "1d12h")).toBe("2026-12-02T12:00:00.000Z");
    expect(isDue(due, Date.parse("2027-03-01T00:00:00Z"))).toBe(true);
    expect(isDue(due, Date.parse("2027-02-28T23:59:59.999Z"))).toBe(false);
    expect(isDue(undefined, Date.parse("2099-01-01T00:00:00Z"))).toBe(false);
  });

  it("counts from the mint when Utho's created_at cannot be read", () => {
    const minted = Date.parse("2026-12-01T10:00:00Z");
    expect(rotationDueAt("yesterday-ish", "12h", minted)).toBe("2026-12-01T22:00:00.000Z");
  });

  it("makes diff replace the token once due by the provider's clock (UTHO_TOKENS_NOW), and not before", () => {
    process.env.UTHO_TOKENS_NOW = at("2027-02-28T23:59:59Z").UTHO_TOKENS_NOW;
    expect(diffToken("1", olds, { name: "n", scope: "read", rotateAfter: "90d" })).toMatchObject({
      changes: false,
      replaces: [],
    });
    process.env.UTHO_TOKENS_NOW = at("2027-03-01T00:00:00Z").UTHO_TOKENS_NOW;
    expect(diffToken("1", olds, { name: "n", scope: "read", rotateAfter: "90d" }).replaces).toEqual([
      "rotateAfter",
    ]);
  });

  it("follows Utho's clock for the start: a created_at ahead of ours (skew) moves the due date with it", () => {
    // Utho's clock runs 5 minutes ahead of the provider's.
    const ahead = { ...olds, createdAt: "2026-12-01 00:05:00" };
    process.env.UTHO_TOKENS_NOW = "2027-03-01T00:04:59Z";
    expect(diffToken("1", ahead, { name: "n", scope: "read", rotateAfter: "90d" }).replaces).toEqual([]);
    process.env.UTHO_TOKENS_NOW = "2027-03-01T00:05:00Z";
    expect(diffToken("1", ahead, { name: "n", scope: "read", rotateAfter: "90d" }).replaces).toEqual([
      "rotateAfter",
    ]);
  });

  it("a new schedule not due yet moves rotationDueAt in place; one already due rotates", async () => {
    process.env.UTHO_TOKENS_NOW = new Date(Date.now() + 10 * day).toISOString();
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), { ...inputs, rotateAfter: "30d" });
    expect(Date.parse(outs.rotationDueAt as string) - Date.now()).toBeGreaterThan(29 * day);
    const longer = { ...inputs, rotateAfter: "60d" };
    expect(diffToken(id, outs, longer)).toMatchObject({ changes: true, replaces: [] });
    const updated = await updateToken(t.context(), id, outs, longer);
    expect(Date.parse(updated.outs.rotationDueAt as string) - Date.parse(outs.rotationDueAt as string)).toBe(
      30 * day,
    );
    expect(diffToken(id, outs, { ...inputs, rotateAfter: "1d" }).replaces).toEqual(["rotateAfter"]);
    // Without a schedule, nothing is due and nothing is said of a due date.
    const { rotateAfter: _, ...plain } = inputs as ApiTokenInputs & { rotateAfter?: string };
    expect((await updateToken(t.context(), id, updated.outs, plain)).outs.rotationDueAt).toBeUndefined();
  });
});

describe("expiresAt", () => {
  const saved = process.env.UTHO_TOKENS_NOW;
  afterEach(() => {
    if (saved === undefined) delete process.env.UTHO_TOKENS_NOW;
    else process.env.UTHO_TOKENS_NOW = saved;
  });
  const expiresAt = "2030-01-01T00:00:00Z";
  const later = { ...inputs, expiresAt };

  it("must lie in the future when the resource is created, and may pass for one that exists", () => {
    expect(checkInputs({}, { name: "n", expiresAt: "2020-01-01T00:00:00Z" }).failures).toEqual([
      {
        property: "expiresAt",
        reason: expect.stringMatching(
          /^expiresAt: must be in the future when the token is created \(2020-01-01T00:00:00Z has passed/,
        ),
      },
    ]);
    expect(
      checkInputs({ name: "n" }, { name: "n", expiresAt: "2020-01-01T00:00:00Z" }).failures,
    ).toBeUndefined();
    // With rotateAfter, both hold: whichever comes first acts.
    expect(checkInputs({}, { name: "n", expiresAt, rotateAfter: "90d" }).failures).toBeUndefined();
  });

  it("revokes the token at the first up at or after the instant, keeping the resource, expired and without a secret", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), later);
    process.env.UTHO_TOKENS_NOW = "2029-12-31T23:59:59Z";
    expect(diffToken(id, outs, later)).toMatchObject({ changes: false, replaces: [] });
    process.env.UTHO_TOKENS_NOW = expiresAt;
    expect(diffToken(id, outs, later)).toMatchObject({ changes: true, replaces: [] });
    const updated = await updateToken(t.context(), id, outs, later);
    expect(emulator.current.listTokens()).toEqual([]);
    expect(updated.outs).toMatchObject({ expired: true, expiresAt });
    expect(updated.outs.token).toBeUndefined();
    expect(updated.outs.fingerprint).toBeUndefined();
    // Expired, the resource stays as it is: no change, no request to refresh or destroy it.
    expect(diffToken(id, updated.outs, later)).toMatchObject({ changes: false, replaces: [] });
    emulator.current.resetRequests();
    expect(await readToken(t.context(), id, updated.outs)).toEqual({ id, props: updated.outs });
    await deleteToken(t.context(), id, updated.outs);
    expect(emulator.current.requests).toEqual([]);
  });

  it("revokes it at the first refresh at or after the instant just the same", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), later);
    process.env.UTHO_TOKENS_NOW = "2030-06-01T00:00:00Z";
    const read = await readToken(testProvider(emulator.current).context(), id, outs);
    expect(read).toMatchObject({ id, props: { expired: true } });
    expect(emulator.current.listTokens()).toEqual([]);
  });

  it("keeps the token and its secret when the revocation fails, for the next run to try again", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), later);
    process.env.UTHO_TOKENS_NOW = expiresAt;
    emulator.current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
    await expect(updateToken(t.context(), id, outs, later)).rejects.toMatchObject({ status: 500 });
    expect(emulator.current.listTokens().map((token) => token.id)).toEqual([id]);
    emulator.current.clearFaults();
    expect((await updateToken(t.context(), id, outs, later)).outs.expired).toBe(true);
  });

  it("a later instant, or none, mints a fresh token for an expired resource", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), later);
    process.env.UTHO_TOKENS_NOW = expiresAt;
    const expired = (await updateToken(t.context(), id, outs, later)).outs;
    expect(diffToken(id, expired, { ...later, expiresAt: "2031-01-01T00:00:00Z" }).replaces).toEqual([
      "expiresAt",
    ]);
    expect(diffToken(id, expired, inputs).replaces).toEqual(["expiresAt"]);
    // An expired token is not rotated: there is nothing to rotate.
    expect(diffToken(id, expired, { ...later, rotateAfter: "1d" }).replaces).toEqual([]);
  });
});
