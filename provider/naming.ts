/**
 * Auto-names: `<prefix>-<16 random hex digits>`, chosen once for the resource's life.
 *
 * The suffix is an ownership proof: the mint's stray sweep and `utho-tokens reconcile` revoke a
 * token they find with a resource's auto-name, taking it for that resource's. So it is 64 bits
 * from the operating system's random source, which no other stack, resource or run can
 * reproduce: not the same project and stack name in another backend, not a copied stack
 * config. (Names of 8 hex digits, from before, stay as they are: `check` keeps the name an
 * existing resource has.)
 *
 * Why the name is unknown at preview instead of derived from something stable. Pulumi keeps a
 * provider's auto-name the same in `preview --save-plan` and `up --plan` by a random seed in the
 * CheckRequest: the engine draws 32 bytes per resource, saves them in the plan, and hands the
 * plan's bytes back to `Check` under `up --plan` (pkg/resource/deploy/step_generator.go, v3.259.0);
 * `up --plan` then compares `Check`'s inputs with the plan's, property by property, a value
 * planned as unknown matching anything (plan.go `checkDiff`, `DeepEqualsIncludeUnknowns`). The
 * dynamic-provider host calls `check(olds, news)` without the seed or the URN, and without a plan
 * a plain `preview` and the `up` after it draw different seeds anyway. What stays the same
 * between a preview and a later up is the program, the stack config and the state, and none of
 * them holds, before the first up, a value unique to the stack that every backend has: a name
 * derived from the URN (project, stack, resource) would be the same for the same stack name in
 * two backends, so one's reconcile would revoke the other's token. So a preview says what it
 * knows: a new auto-named resource's name is unknown (`[unknown]`, matched by whatever `up
 * --plan` draws), and the `up` draws the random suffix, which its `check` puts in the inputs
 * the engine records before the create (an interrupted create's pending operation names it).
 * The program says which run is a preview (`ApiToken` passes `previewing`, from
 * `pulumi.runtime.isDryRun()`); `check` drops it from the inputs, so plans and state never see it.
 */
import { randomBytes } from "node:crypto";
import { isForbiddenNameCharacter, TOKEN_NAME_MAX_LENGTH } from "../sdk/rules";

/** 64 random bits, as 16 hex digits. */
const SUFFIX_BYTES = 8;

/**
 * `<prefix>-<random>`, trimmed to Utho's name limit. The prefix is the resource's logical name
 * with characters Utho rejects (controls) replaced, so any logical name yields a valid token name.
 * `seed`: the engine's random seed for the resource, which the provider plugin gets (32 bytes
 * from a cryptographic source, kept in a saved plan, so `up --plan` draws the name the plan
 * shows); the dynamic provider gets none and draws its own.
 */
export function autoName(prefix: string, seed?: Uint8Array): string {
  const drawn =
    seed !== undefined && seed.length >= SUFFIX_BYTES ? Buffer.from(seed) : randomBytes(SUFFIX_BYTES);
  const suffix = drawn.subarray(0, SUFFIX_BYTES).toString("hex");
  // By code points, so a multi-unit character is never split.
  const stem = [...prefix.trim()]
    .map((char) => (isForbiddenNameCharacter(char) ? "-" : char))
    .slice(0, TOKEN_NAME_MAX_LENGTH - suffix.length - 1)
    .join("");
  return `${stem || "token"}-${suffix}`;
}

/** The resource name in a URN (`urn:pulumi:stack::project::type::name`): an auto-name's stem. */
export const resourceName = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
