/**
 * The token lifecycle: `keepers` (any change mints a new token), `verify` (a new secret must
 * authenticate before create returns), `onMissing` (what refresh does about a token deleted
 * outside Pulumi), the `fingerprint` output, and `rotateAfter` with the provider's clock set
 * through UTHO_TOKENS_NOW (nothing sleeps to reach a date).
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { inspect } from "node:util";
import { startEmulator } from "../../emulator";
import { checkInputs } from "../../provider/check";
import { ProviderContext } from "../../provider/context";
import { createToken, deleteToken, readToken, updateToken } from "../../provider/crud";
import { diffToken, dueWork } from "../../provider/diff";
import { PartialFailure } from "../../provider/errors";
import { fingerprintOf } from "../../provider/fingerprint";
import { isDue, rotationDueAt } from "../../provider/rotation";
import type { ApiTokenInputs, ApiTokenOutputs, CheckedInputs } from "../../provider/types";
import { authenticates, clientFor, useEmulator } from "../support/emulator";
import { testProvider } from "../support/provider";
import { refusingUtho } from "../support/refusing-utho";

const emulator = useEmulator({ retryAfterSeconds: 0 });
const inputs: ApiTokenInputs = { name: "ci-deployer-1a2b3c4d", scope: "write", autoNamed: true };
/** A revocation that failed on Utho's 500s: the error names the token and keeps the cause. */
const revocationFailed = {
  message: expect.stringMatching(/^Revoking token \d+ failed \(.*HTTP 500/),
  cause: { status: 500 },
};
const accountInfo = () => emulator.current.countRequests("GET", "/v2/account/info");
/** The requests that change something in Utho, which a refresh (a read) never sends. */
const writes = () =>
  emulator.current.requests.filter((r) => r.method === "POST" || r.method === "DELETE").map((r) => r.method);

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

/** What a failed operation left for the engine to record: Pulumi's partial failure. */
async function partialFailureOf(operation: Promise<unknown>): Promise<PartialFailure> {
  const error = await operation.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(PartialFailure);
  return error as PartialFailure;
}

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

  it("counts a refused token that someone revoked meanwhile (404) as revoked once a listing agrees", async () => {
    const never = await startEmulator({ propagationMs: 3_600_000 });
    try {
      const utho = clientFor(never);
      const remove = utho.apiTokens.delete.bind(utho.apiTokens);
      utho.apiTokens.delete = async (id) => {
        never.deleteTokenOutOfBand(id);
        return remove(id);
      };
      const ctx = new ProviderContext(utho, testProvider(never).settle, () => undefined);
      await expect(createToken(ctx, inputs)).rejects.toThrow(
        /^Token "ci-deployer-1a2b3c4d" \(id \d+\) was minted, but its secret did not authenticate within 7\.8 s \(.*\), so it was revoked\./,
      );
      expect(never.requests.filter((r) => r.method === "DELETE").map((r) => r.status)).toEqual([404]);
      expect(never.listTokens()).toEqual([]);
    } finally {
      await never.close();
    }
  });

  it("keeps a refused token whose revocation fails in the state (partial failure); the next up verifies it again", async () => {
    const utho = await refusingUtho();
    try {
      const failure = await partialFailureOf(createToken(testProvider(utho.current).context(), inputs));
      const [live] = utho.current.listTokens();
      const secret = failure.properties.token as string;
      expect(failure.message).toMatch(
        new RegExp(
          `^Token "ci-deployer-1a2b3c4d" \\(id ${live?.id}\\) was minted, but its secret did not authenticate ` +
            "within 7\\.8 s \\(.*HTTP 401.*\\), and revoking it failed too \\(.*HTTP 500.*\\)\\. The state holds it, " +
            "marked unverified: the next `pulumi up` verifies it again",
        ),
      );
      expect(failure).toMatchObject({ id: live?.id, reasons: [failure.message] });
      expect(failure.properties).toMatchObject({
        name: inputs.name,
        scope: "write",
        tokenId: live?.id,
        fingerprint: fingerprintOf(secret),
        unverified: true,
      });
      expect(utho.current.tokenIdOf(secret)).toBe(live?.id);
      expect(inspect(failure, { depth: 5 })).not.toContain(secret);

      const recovered = await utho.recover();
      const olds = failure.properties as unknown as ApiTokenOutputs;
      expect(diffToken(failure.id, olds, inputs).changes).toBe(true);
      const { outs } = await updateToken(testProvider(recovered).context(), failure.id, olds, inputs);
      const { unverified: _unverified, ...verified } = olds;
      expect(outs).toEqual(verified);
      expect(recovered.listTokens().map((t) => t.id)).toEqual([live?.id]);
      expect(await authenticates(recovered, secret)).toBe(true);
    } finally {
      await utho.close();
    }
  });

  it("replaces a kept token that Utho still refuses at the next up, and keeps the refused one until it is revoked", async () => {
    const utho = await refusingUtho();
    try {
      const created = await partialFailureOf(createToken(testProvider(utho.current).context(), inputs));
      const recovered = await utho.recover();
      // Utho refuses the kept secret still (here: someone revoked the token meanwhile).
      recovered.deleteTokenOutOfBand(created.id);
      const olds = created.properties as unknown as ApiTokenOutputs;
      recovered.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
      const replacing = await partialFailureOf(
        updateToken(testProvider(recovered).context(), created.id, olds, inputs),
      );
      const [fresh] = recovered.listTokens();
      expect(replacing.message).toMatch(
        `The secret of token ${created.id} ("ci-deployer-1a2b3c4d") was still refused, so token ${fresh?.id} ` +
          "was minted in its place; revoking the refused one failed (",
      );
      expect(replacing).toMatchObject({ id: created.id });
      expect(replacing.properties).toMatchObject({ tokenId: fresh?.id, previousTokenId: created.id });
      expect(replacing.properties.unverified).toBeUndefined();
      expect(await authenticates(recovered, replacing.properties.token as string)).toBe(true);

      recovered.clearFaults();
      const kept = replacing.properties as unknown as ApiTokenOutputs;
      const { outs } = await updateToken(testProvider(recovered).context(), created.id, kept, inputs);
      expect(outs.previousTokenId).toBeUndefined();
      expect(outs.tokenId).toBe(fresh?.id);
      expect(recovered.listTokens().map((t) => t.id)).toEqual([fresh?.id]);
    } finally {
      await utho.close();
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
    const due = rotationDueAt({ createdAt }, "90d");
    expect(due).toBe("2027-03-01T00:00:00.000Z");
    expect(rotationDueAt({ createdAt }, "1d12h")).toBe("2026-12-02T12:00:00.000Z");
    expect(isDue(due, Date.parse("2027-03-01T00:00:00Z"))).toBe(true);
    expect(isDue(due, Date.parse("2027-02-28T23:59:59.999Z"))).toBe(false);
    expect(isDue(undefined, Date.parse("2099-01-01T00:00:00Z"))).toBe(false);
  });

  it("counts from the mint when Utho's created_at cannot be read", () => {
    const minted = Date.parse("2026-12-01T10:00:00Z");
    expect(rotationDueAt({ createdAt: "yesterday-ish" }, "12h", minted)).toBe("2026-12-01T22:00:00.000Z");
    expect(
      rotationDueAt({ createdAt: "yesterday-ish", rotatedAt: "2026-12-01T11:00:00Z" }, "12h", minted),
    ).toBe("2026-12-01T23:00:00.000Z");
  });

  it("counts from the provider's mint when Utho's created_at is behind it (skew): a fresh token is never due at once", () => {
    // Utho's clock runs a day behind the provider's.
    const behind = { createdAt: "2026-11-30 00:00:00", rotatedAt: "2026-12-01T00:00:00Z" };
    expect(rotationDueAt(behind, "90d")).toBe("2027-03-01T00:00:00.000Z");
    process.env.UTHO_TOKENS_NOW = "2027-02-28T00:00:00Z";
    expect(
      diffToken("1", { ...olds, ...behind }, { name: "n", scope: "read", rotateAfter: "90d" }).replaces,
    ).toEqual([]);
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
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), { ...inputs, rotateAfter: "30d" });
    // Ten days on.
    process.env.UTHO_TOKENS_NOW = new Date(Date.now() + 10 * day).toISOString();
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

  it("is left to up by a refresh after the instant: the read revokes nothing, and diff then shows the update", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), later);
    process.env.UTHO_TOKENS_NOW = "2030-06-01T00:00:00Z";
    emulator.current.resetRequests();
    const read = await readToken(testProvider(emulator.current).context(), id, outs);
    expect(writes()).toEqual([]);
    expect(read).toEqual({ id, props: outs });
    expect(emulator.current.listTokens().map((token) => token.id)).toEqual([id]);
    // `pulumi up --refresh`: the diff after the read, then the update that revokes.
    expect(diffToken(id, read.props, later)).toMatchObject({ changes: true, replaces: [] });
    expect((await updateToken(t.context(), id, read.props, later)).outs.expired).toBe(true);
    expect(emulator.current.listTokens()).toEqual([]);
  });

  it("is recorded by a refresh that finds the token gone after the instant, without a request to revoke it", async () => {
    const t = testProvider(emulator.current);
    const failing: ApiTokenInputs = { ...later, onMissing: "fail" };
    const { id, outs } = await createToken(t.context(), failing);
    emulator.current.deleteTokenOutOfBand(id);
    process.env.UTHO_TOKENS_NOW = expiresAt;
    emulator.current.resetRequests();
    // Gone at its expiry is no surprise, even with onMissing "fail": the resource is expired.
    const read = await readToken(testProvider(emulator.current).context(), id, outs);
    expect(writes()).toEqual([]);
    expect(read.id).toBe(id);
    expect(read.props).toMatchObject({ expired: true, expiresAt });
    expect(read.props.token).toBeUndefined();
    expect(diffToken(id, read.props, failing)).toMatchObject({ changes: false, replaces: [] });
  });

  it("keeps the token and its secret when the revocation fails, for the next run to try again", async () => {
    const t = testProvider(emulator.current);
    const { id, outs } = await createToken(t.context(), later);
    process.env.UTHO_TOKENS_NOW = expiresAt;
    emulator.current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
    await expect(updateToken(t.context(), id, outs, later)).rejects.toMatchObject(revocationFailed);
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

describe("overlap", () => {
  const day = 86_400_000;
  const saved = process.env.UTHO_TOKENS_NOW;
  afterEach(() => {
    if (saved === undefined) delete process.env.UTHO_TOKENS_NOW;
    else process.env.UTHO_TOKENS_NOW = saved;
  });
  const policy: ApiTokenInputs = { ...inputs, rotateAfter: "90d", overlap: "7d" };
  const at = (ms: number) => {
    process.env.UTHO_TOKENS_NOW = new Date(ms).toISOString();
  };
  /** A new run: its own provider, with nothing cached from the last. */
  const run = () => testProvider(emulator.current).context();
  const works = (secret: string | undefined) => authenticates(emulator.current, secret);
  const liveIds = () => emulator.current.listTokens().map((t) => t.id);

  /** Created now, then rotated in place once due (at creation + 90 days). */
  async function rotated() {
    const created = await createToken(run(), policy);
    const dueAt = Date.parse(created.outs.rotationDueAt as string);
    at(dueAt);
    const { outs } = await updateToken(run(), created.id, created.outs, policy);
    return { ...created, dueAt, outs, first: created.outs };
  }

  it("must be shorter than rotateAfter, is a duration, and is not for adopted tokens", () => {
    expect(checkInputs({}, { rotateAfter: "7d", overlap: "7d" }).failures).toEqual([
      { property: "overlap", reason: expect.stringMatching(/^overlap: must be shorter than rotateAfter/) },
    ]);
    expect(checkInputs({}, { rotateAfter: "7d", overlap: "8d" }).failures?.[0]?.property).toBe("overlap");
    expect(checkInputs({}, { overlap: "1w" }).failures).toBeUndefined();
    expect(checkInputs({}, { rotateAfter: "90d", overlap: "6d23h" }).inputs?.overlap).toBe("6d23h");
    expect(checkInputs({}, { overlap: "a week" }).failures?.[0]?.reason).toMatch(
      /^overlap: must be a duration/,
    );
    expect(checkInputs({}, { name: "ci", adopt: { id: "1" }, overlap: "7d" }).failures?.[0]?.reason).toMatch(
      /^overlap: cannot be set with adopt/,
    );
  });

  it("refuses a duration beyond 100 years, whose instants would overflow after the mint", () => {
    expect(checkInputs({}, { rotation: "r1", overlap: "20000000w" }).failures?.[0]?.reason).toMatch(
      /^overlap: must be a duration: "20000000w" must be at most 100 years/,
    );
    expect(checkInputs({}, { rotateAfter: "36501d" }).failures?.[0]?.property).toBe("rotateAfter");
    expect(checkInputs({}, { rotateAfter: "36500d", overlap: "7d" }).failures).toBeUndefined();
  });

  it("leaves an expired resource alone when its rotation or keepers change: no update that would never be carried out", () => {
    const expired = {
      name: "n",
      scope: "read" as const,
      createdAt: "2026-12-01 00:00:00",
      expired: true,
      expiresAt: "2027-01-01T00:00:00Z",
      overlap: "7d",
      rotation: "r1",
    };
    process.env.UTHO_TOKENS_NOW = "2027-02-01T00:00:00Z";
    const news = { name: "n", scope: "read" as const, expiresAt: "2027-01-01T00:00:00Z", overlap: "7d" };
    expect(diffToken("1", expired, { ...news, rotation: "r2" })).toMatchObject({
      changes: false,
      replaces: [],
    });
    expect(diffToken("1", expired, { ...news, rotation: "r2", keepers: { a: "b" } }).changes).toBe(false);
    // Expiring in the same run as a rotation: the expiry wins, nothing is minted.
    const live = { ...expired, expired: undefined, expiresAt: "2027-03-01T00:00:00Z" };
    process.env.UTHO_TOKENS_NOW = "2027-03-01T00:00:00Z";
    expect(diffToken("1", live, { ...news, expiresAt: live.expiresAt, rotation: "r2" })).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  it("makes a due rotation an update of the resource, not a replacement; a new name still replaces", () => {
    const olds = { name: "n", scope: "read" as const, createdAt: "2026-12-01 00:00:00", rotateAfter: "90d" };
    const news = { name: "n", scope: "read" as const, rotateAfter: "90d", overlap: "7d" };
    process.env.UTHO_TOKENS_NOW = "2027-03-01T00:00:00Z";
    expect(diffToken("1", { ...olds, overlap: "7d" }, news)).toMatchObject({ changes: true, replaces: [] });
    expect(diffToken("1", olds, { ...news, rotation: "2027-Q1" })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(diffToken("1", olds, { ...news, name: "m" }).replaces).toEqual(["name", "rotateAfter"]);
    process.env.UTHO_TOKENS_NOW = "2027-02-28T23:59:59Z";
    expect(diffToken("1", { ...olds, overlap: "7d" }, news)).toMatchObject({ changes: false, replaces: [] });
  });

  it("rotates in place: a new token and secret, the previous one kept and still working, the resource id unchanged", async () => {
    const { id, dueAt, outs, first } = await rotated();
    expect(outs.tokenId).not.toBe(id);
    expect(first.tokenId).toBe(id);
    expect(outs).toMatchObject({
      previousTokenId: id,
      previousToken: first.token,
      previousRevokeAt: new Date(dueAt + 7 * day).toISOString(),
      rotatedAt: new Date(dueAt).toISOString(),
    });
    expect(outs.token).not.toBe(first.token);
    expect(outs.fingerprint).toBe(fingerprintOf(outs.token as string));
    expect(Date.parse(outs.rotationDueAt as string)).toBeGreaterThan(dueAt);
    expect(await works(outs.token)).toBe(true);
    expect(await works(first.token)).toBe(true);
    expect(liveIds().sort()).toEqual([id, outs.tokenId].sort());
    // Until the overlap ends, nothing more is due.
    at(dueAt + 7 * day - 1);
    expect(diffToken(id, outs, policy)).toMatchObject({ changes: false, replaces: [] });
  });

  it("revokes the previous token at the first up at the end of the overlap exactly, or after", async () => {
    const { id, dueAt, outs, first } = await rotated();
    at(dueAt + 7 * day);
    expect(diffToken(id, outs, policy)).toMatchObject({ changes: true, replaces: [] });
    const { outs: after } = await updateToken(run(), id, outs, policy);
    expect(after.previousTokenId).toBeUndefined();
    expect(after.previousToken).toBeUndefined();
    expect(after.previousRevokeAt).toBeUndefined();
    expect(after.token).toBe(outs.token);
    expect(await works(first.token)).toBe(false);
    expect(liveIds()).toEqual([outs.tokenId]);
    expect(diffToken(id, after, policy)).toMatchObject({ changes: false, replaces: [] });
  });

  it("is left to up by a refresh after the end: the read revokes nothing, reads the current token by tokenId, and diff shows the update", async () => {
    const { id, dueAt, outs, first } = await rotated();
    at(dueAt + day);
    expect((await readToken(run(), id, outs)).props).toMatchObject({
      previousTokenId: id,
      tokenId: outs.tokenId,
    });
    at(dueAt + 8 * day);
    emulator.current.resetRequests();
    const read = await readToken(run(), id, outs);
    expect(writes()).toEqual([]);
    expect(read).toEqual({ id, props: outs });
    expect(await works(first.token)).toBe(true);
    // `pulumi up --refresh`: the diff after the read, then the update that revokes.
    expect(diffToken(id, read.props, policy)).toMatchObject({ changes: true, replaces: [] });
    const { outs: after } = await updateToken(run(), id, read.props, policy);
    expect(after.previousTokenId).toBeUndefined();
    expect(await works(first.token)).toBe(false);
  });

  it("keeps the previous token in the state when its revocation fails, and the next run revokes it", async () => {
    const { id, dueAt, outs, first } = await rotated();
    at(dueAt + 7 * day);
    emulator.current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
    await expect(updateToken(run(), id, outs, policy)).rejects.toMatchObject(revocationFailed);
    // The engine keeps the old outputs of a failed update: the previous token with them.
    expect(await works(first.token)).toBe(true);
    emulator.current.clearFaults();
    const { outs: after } = await updateToken(run(), id, outs, policy);
    expect(after.previousTokenId).toBeUndefined();
    expect(await works(first.token)).toBe(false);
  });

  it("a rotation during an open overlap revokes the older previous token first; if that fails, nothing is minted", async () => {
    const { id, dueAt, outs, first } = await rotated();
    at(dueAt + day);
    const manual = { ...policy, rotation: "now" };
    emulator.current.injectFault({ kind: "500", method: "DELETE", times: Number.POSITIVE_INFINITY });
    await expect(updateToken(run(), id, outs, manual)).rejects.toMatchObject(revocationFailed);
    expect(liveIds().sort()).toEqual([id, outs.tokenId].sort());
    emulator.current.clearFaults();
    const { outs: again } = await updateToken(run(), id, outs, manual);
    expect(await works(first.token)).toBe(false);
    expect(again).toMatchObject({
      previousTokenId: outs.tokenId,
      previousToken: outs.token,
      rotation: "now",
    });
    expect(liveIds().sort()).toEqual([outs.tokenId, again.tokenId].sort());
    expect(diffToken(id, again, manual)).toMatchObject({ changes: false });
  });

  it("keeps a new token that is refused and cannot be revoked (partial failure): the next up revokes it and rotates again", async () => {
    const utho = await refusingUtho();
    try {
      // Minted unverified, so the refusing Utho lets the first token be; its rotation verifies.
      const created = await createToken(testProvider(utho.current).context(), { ...policy, verify: false });
      const manual = { ...policy, rotation: "now" };
      const failure = await partialFailureOf(
        updateToken(testProvider(utho.current).context(), created.id, created.outs, manual),
      );
      const refused = utho.current.listTokens().find((t) => t.id !== created.id);
      expect(failure.message).toMatch(
        /and revoking it failed too .*The state keeps it as the previous token, to be revoked: the next `pulumi up` revokes it and rotates again\. The resource's current token \(id \d+\) stays as it is\.$/,
      );
      expect(failure).toMatchObject({ id: created.id });
      // The current token, its triggers as they were (so the rotation is still pending), and the refused one, due.
      expect(failure.properties).toMatchObject({
        tokenId: created.id,
        token: created.outs.token,
        previousTokenId: refused?.id,
      });
      expect(failure.properties.rotation).toBeUndefined();
      const kept = failure.properties as unknown as ApiTokenOutputs;
      expect(diffToken(created.id, kept, manual)).toMatchObject({ changes: true, replaces: [] });

      const recovered = await utho.recover();
      const { outs } = await updateToken(testProvider(recovered).context(), created.id, kept, manual);
      expect(outs).toMatchObject({ previousTokenId: created.id, rotation: "now" });
      expect(recovered.listTokens().map((t) => t.id)).toEqual([created.id, outs.tokenId]);
      expect(await authenticates(recovered, outs.token)).toBe(true);
    } finally {
      await utho.close();
    }
  });

  it("a refused token minted in place of a missing one is replaced without cutting the previous token's overlap short", async () => {
    const utho = await refusingUtho();
    const ctx = () => testProvider(utho.current).context();
    const live = () => utho.current.listTokens().map((t) => t.id);
    try {
      // The refusing Utho accepts no new secret: the first token and its rotation skip verification.
      const created = await createToken(ctx(), { ...policy, verify: false });
      const { outs: rotatedOuts } = await updateToken(ctx(), created.id, created.outs, {
        ...policy,
        verify: false,
        rotation: "r1",
      });
      utho.current.deleteTokenOutOfBand(rotatedOuts.tokenId as string);
      const { props: missing } = await readToken(ctx(), created.id, rotatedOuts);
      expect(missing).toMatchObject({ missing: true, previousTokenId: created.id });
      // The new current token is refused and cannot be revoked: recorded as current, unverified.
      const failure = await partialFailureOf(
        updateToken(ctx(), created.id, missing, { ...policy, rotation: "r1" }),
      );
      expect(failure.message).toMatch(/The state holds it as the current token, marked unverified/);
      const kept = failure.properties as unknown as ApiTokenOutputs;
      expect(kept).toMatchObject({ unverified: true, previousTokenId: created.id });
      expect(kept.missing).toBeUndefined();

      // Utho still refuses new secrets but deletes again: the refused token goes, the previous stays.
      utho.current.clearFaults();
      await expect(updateToken(ctx(), created.id, kept, { ...policy, rotation: "r1" })).rejects.toThrow(
        /did not authenticate/,
      );
      expect(live()).toEqual([created.id]);

      const recovered = await utho.recover();
      const { outs } = await updateToken(testProvider(recovered).context(), created.id, kept, {
        ...policy,
        rotation: "r1",
      });
      expect(outs).toMatchObject({
        previousTokenId: created.id,
        previousRevokeAt: rotatedOuts.previousRevokeAt,
      });
      expect(outs.unverified).toBeUndefined();
      expect(await authenticates(recovered, outs.token)).toBe(true);
      expect(recovered.listTokens().map((t) => t.id)).toEqual([created.id, outs.tokenId]);
    } finally {
      await utho.close();
    }
  });

  it("destroy revokes both tokens", async () => {
    const { id, outs } = await rotated();
    await deleteToken(run(), id, outs);
    expect(liveIds()).toEqual([]);
  });

  it("keeps a resource whose current token was deleted outside Pulumi while the previous one lives: up mints a new current token", async () => {
    const { id, dueAt, outs, first } = await rotated();
    emulator.current.deleteTokenOutOfBand(outs.tokenId as string);
    at(dueAt + day);
    emulator.current.resetRequests();
    // Dropped, the resource would leave the previous token live with no holder.
    const read = await readToken(run(), id, outs);
    expect(writes()).toEqual([]);
    expect(read).toEqual({ id, props: { ...outs, missing: true } });
    expect(await works(first.token)).toBe(true);
    // Read again before any up: the same.
    expect(await readToken(run(), id, read.props)).toEqual(read);
    expect(diffToken(id, read.props, policy)).toMatchObject({ changes: true, replaces: [] });
    const { outs: again } = await updateToken(run(), id, read.props, policy);
    expect(again.missing).toBeUndefined();
    expect(again.tokenId).not.toBe(outs.tokenId);
    expect(await works(again.token)).toBe(true);
    // The previous token keeps its overlap, and goes at its end.
    expect(again).toMatchObject({
      previousTokenId: id,
      previousToken: first.token,
      previousRevokeAt: outs.previousRevokeAt,
    });
    expect(liveIds().sort()).toEqual([id, again.tokenId].sort());
    expect(diffToken(id, again, policy)).toMatchObject({ changes: false });
    at(dueAt + 7 * day);
    expect((await updateToken(run(), id, again, policy)).outs.previousTokenId).toBeUndefined();
    expect(liveIds()).toEqual([again.tokenId]);
  });

  it("a resource kept for its previous token: an up after the overlap revokes it as it mints; destroy and expiry revoke it", async () => {
    /** Rotated, then its current token deleted outside Pulumi and the resource refreshed. */
    async function missingCurrent() {
      const { id, dueAt, outs, first } = await rotated();
      emulator.current.deleteTokenOutOfBand(outs.tokenId as string);
      return { id, dueAt, first, props: (await readToken(run(), id, outs)).props };
    }
    const ended = await missingCurrent();
    at(ended.dueAt + 8 * day);
    const { outs: again } = await updateToken(run(), ended.id, ended.props, policy);
    expect(again.previousTokenId).toBeUndefined();
    expect(await works(ended.first.token)).toBe(false);
    expect(liveIds()).toEqual([again.tokenId]);

    const destroyed = await missingCurrent();
    await deleteToken(run(), destroyed.id, destroyed.props);
    expect(await works(destroyed.first.token)).toBe(false);

    const expiring = await missingCurrent();
    const instant = new Date(expiring.dueAt + day).toISOString();
    at(expiring.dueAt + day);
    const { outs: expired } = await updateToken(run(), expiring.id, expiring.props, {
      ...policy,
      expiresAt: instant,
    });
    expect(expired).toMatchObject({ expired: true });
    expect(expired.missing).toBeUndefined();
    expect(expired.previousTokenId).toBeUndefined();
    expect(await works(expiring.first.token)).toBe(false);
    expect(liveIds()).toEqual([again.tokenId]);
  });

  it("expiry revokes both tokens and keeps neither secret", async () => {
    const { id, dueAt, outs } = await rotated();
    at(dueAt + day);
    const expiring = { ...policy, expiresAt: new Date(dueAt + day).toISOString() };
    const { outs: expired } = await updateToken(run(), id, outs, expiring);
    expect(expired).toMatchObject({ expired: true });
    expect(expired.token).toBeUndefined();
    expect(expired.previousToken).toBeUndefined();
    expect(expired.previousTokenId).toBeUndefined();
    expect(liveIds()).toEqual([]);
  });
});

describe("what a preview says of work due with time (dueWork)", () => {
  const saved = process.env.UTHO_TOKENS_NOW;
  afterEach(() => {
    if (saved === undefined) delete process.env.UTHO_TOKENS_NOW;
    else process.env.UTHO_TOKENS_NOW = saved;
  });
  const olds = {
    name: "ci",
    scope: "read" as const,
    createdAt: "2026-12-01 00:00:00",
    tokenId: "12",
    rotateAfter: "90d",
  };
  const news = { name: "ci", scope: "read" as const, rotateAfter: "90d" };
  const said = (o: typeof olds & Partial<ApiTokenOutputs>, n: CheckedInputs) =>
    dueWork("10", o, n, (diffToken("10", o, n).replaces ?? []).length > 0);

  it("names the token, the reason and what up does: a due rotation, in place or replacing", () => {
    process.env.UTHO_TOKENS_NOW = "2027-03-02T00:00:00Z";
    expect(said({ ...olds, overlap: "7d" }, { ...news, overlap: "7d" })).toEqual([
      '"ci" (token 12): rotateAfter "90d" made it due at 2027-03-01T00:00:00.000Z; `pulumi up` mints a new ' +
        'token and keeps token 12 valid for "7d" more (an update)',
    ]);
    expect(said(olds, news)).toEqual([
      '"ci" (token 12): rotateAfter "90d" made it due at 2027-03-01T00:00:00.000Z; `pulumi up` mints a new ' +
        "token and revokes token 12 (a replacement)",
    ]);
    // Not due yet, or a change the preview shows itself (a new `rotation`): nothing to say.
    process.env.UTHO_TOKENS_NOW = "2027-02-28T00:00:00Z";
    expect(said(olds, news)).toEqual([]);
    expect(said(olds, { ...news, rotation: "r2" })).toEqual([]);
  });

  it("an ended overlap, an expiry, and a current token found missing", () => {
    process.env.UTHO_TOKENS_NOW = "2027-02-28T00:00:00Z";
    const overlapping = {
      ...olds,
      overlap: "7d",
      previousTokenId: "10",
      previousRevokeAt: "2027-02-20T00:00:00.000Z",
    };
    expect(said(overlapping, { ...news, overlap: "7d" })).toEqual([
      '"ci" (token 12): the overlap of previous token 10 ended at 2027-02-20T00:00:00.000Z; `pulumi up` revokes it (an update)',
    ]);
    const expiresAt = "2027-02-01T00:00:00Z";
    expect(said({ ...overlapping, expiresAt }, { ...news, overlap: "7d", expiresAt })).toEqual([
      `"ci" (token 12): expiresAt ${expiresAt} has passed; \`pulumi up\` revokes it and previous token 10 (an update)`,
    ]);
    expect(said({ ...olds, expired: true, expiresAt }, { ...news, expiresAt })).toEqual([]);
    const missing = { ...overlapping, previousRevokeAt: "2027-03-01T00:00:00.000Z", missing: true };
    expect(said(missing, { ...news, overlap: "7d" })).toEqual([
      '"ci" (token 12) was deleted outside Pulumi; `pulumi up` mints a new current token (an update)',
    ]);
  });
});
