/**
 * Every relative link of the README, the changelog and the pages under docs/ reaches a file that
 * exists, and every `#anchor` a heading of the page it points into (GitHub's anchors: the
 * heading in lower case, punctuation dropped, spaces as hyphens, `-1`, `-2` for repeats).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const PAGES = [
  "README.md",
  "CHANGELOG.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`),
];

/** The page without its fenced code blocks, where `[x](y)` and `# x` are not Markdown. */
function prose(file: string): string {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
}

/** `[text](target)`, the text possibly holding code spans. */
const LINK = /\[((?:[^[\]`]|`[^`]*`)*)\]\(([^)\s]+)\)/g;

function anchorOf(heading: string): string {
  return heading
    .replace(LINK, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of prose(file).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(match[1] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const match of prose(file).matchAll(LINK)) {
    const target = match[2] ?? "";
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [where = "", anchor] = target.split("#");
    const resolved =
      where === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), where));
    const absolute = path.join(ROOT, resolved);
    if (!existsSync(absolute)) {
      broken.push(`${target}: no file ${resolved}`);
    } else if (anchor !== undefined) {
      if (statSync(absolute).isDirectory() || !resolved.endsWith(".md")) {
        broken.push(`${target}: an anchor into ${resolved}, which is not a Markdown page`);
      } else if (!anchorsOf(resolved).has(anchor)) {
        broken.push(`${target}: ${resolved} has no heading #${anchor}`);
      }
    }
  }
  return broken;
}

it("finds the pages and their links", () => {
  expect(PAGES).toEqual(expect.arrayContaining(["README.md", "docs/reference.md", "docs/recovery.md"]));
  expect([...prose("README.md").matchAll(LINK)].length).toBeGreaterThan(5);
  expect(anchorOf("Recovering from an interrupted run: `utho-tokens reconcile`")).toBe(
    "recovering-from-an-interrupted-run-utho-tokens-reconcile",
  );
  expect(anchorOf("The provider's own credentials")).toBe("the-providers-own-credentials");
});

it.each(PAGES)("%s: every relative link and anchor resolves", (file) => {
  expect(brokenLinks(file)).toEqual([]);
});
