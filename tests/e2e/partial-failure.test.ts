/**
 * A failure after a mint, through the real CLI: a create whose new token Utho neither accepts
 * nor lets the provider revoke. The provider returns Pulumi's partial failure, so the engine
 * records the token (its secret encrypted like any secret output), as it does an update's
 * partial failure, and the next `up`, once Utho has caught up, finishes the job: no orphan,
 * nothing lost.
 */
import { type StateExport, useProjects } from "../support/e2e";
import { refusingUtho } from "../support/refusing-utho";

const openProject = useProjects();
// Three runs, the two failing ones each waiting out settle windows and the DELETE's retries.
jest.setTimeout(300_000);

type Resource = NonNullable<StateExport["deployment"]["resources"]>[number] & { initErrors?: string[] };

const tokenResource = (state: StateExport, id: string | undefined): Resource | undefined =>
  state.deployment.resources?.find((resource) => resource.id === id);

it("keeps a token it could neither verify nor revoke in the state, secret encrypted; the next up finishes", async () => {
  const utho = await refusingUtho();
  try {
    const p = await openProject("tests/e2e/programs/token", { sharedEmulator: utho.current });
    const failed = await p.pulumi(["up", "--yes", "--skip-preview"], { expectFailure: true });
    const [live] = utho.current.listTokens();
    expect(`${failed.stdout}${failed.stderr}`).toMatch(
      new RegExp(
        `\\(id ${live?.id}\\) was minted, but its secret did not authenticate within .* The state holds it`,
      ),
    );

    const state = JSON.parse(await p.exportState()) as StateExport;
    const resource = tokenResource(state, live?.id);
    expect(resource?.initErrors).toEqual([expect.stringContaining(`(id ${live?.id}) was minted`)]);
    expect(resource?.outputs).toMatchObject({
      tokenId: live?.id,
      unverified: true,
      // A secret in the state: ciphertext, as every secret output is stored.
      token: { ciphertext: expect.any(String) },
      __provider: expect.any(String),
    });
    // `stack export --show-secrets` shows a secret as `{ <sig>, plaintext: <the value as JSON> }`.
    const shown = tokenResource(await p.exportSecrets(), live?.id)?.outputs?.token as { plaintext: string };
    const secret = JSON.parse(shown.plaintext) as string;
    expect(utho.current.tokenIdOf(secret)).toBe(live?.id);
    expect(p.transcript.join("\n")).not.toContain(secret);
    expect(JSON.stringify(state)).not.toContain(secret);

    // An `up` while Utho still refuses: update mints a replacement, which is refused too and
    // cannot be revoked either; the engine records that update's partial failure as well.
    await p.pulumi(["up", "--yes", "--skip-preview"], { expectFailure: true });
    const refused = utho.current.listTokens().find((t) => t.id !== live?.id);
    const again = tokenResource(JSON.parse(await p.exportState()) as StateExport, live?.id);
    expect(again?.initErrors).toEqual([expect.stringContaining(`(id ${refused?.id}) was minted`)]);
    expect(again?.outputs).toMatchObject({
      tokenId: live?.id,
      unverified: true,
      previousTokenId: refused?.id,
      token: { ciphertext: expect.any(String) },
      __provider: expect.any(String),
    });

    // Utho catches up; the next `up` verifies the kept token, revokes the refused one, and
    // clears the failure.
    const recovered = await utho.recover();
    await p.pulumi(["up", "--yes", "--skip-preview"]);
    expect(recovered.listTokens().map((t) => t.id)).toEqual([live?.id]);
    expect(await p.secretOutput("token")).toBe(secret);
    const finished = tokenResource(await p.exportSecrets(), live?.id) as Resource;
    expect(finished.initErrors ?? []).toEqual([]);
    expect(finished.outputs?.unverified).toBeUndefined();
    await p.pulumi(["preview", "--expect-no-changes"]);
  } finally {
    await utho.close();
  }
});
