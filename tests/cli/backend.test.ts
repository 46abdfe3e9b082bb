/**
 * A file backend torn by a kill: the named stack's `.attrs` sidecars that do not parse are found
 * (not the whole ones, nor one a live run may be writing this very moment, nor any of another
 * stack or project), and removing them is all the mending there is.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileBackendRoot, removeSidecars, tornSidecars } from "../../cli/backend";

describe("fileBackendRoot", () => {
  it("is the folder of a file:// URL, without its query, and undefined for other backends", () => {
    expect(fileBackendRoot("file:///srv/state?metadata=skip")).toBe("/srv/state");
    expect(fileBackendRoot("file:///srv/my%20state")).toBe("/srv/my state");
    expect(fileBackendRoot("file://~/state")).toBe(path.join(process.env.HOME ?? "", "/state"));
    expect(fileBackendRoot("file://relative/state")).toBe(path.resolve("relative/state"));
    for (const url of ["postgres://u:p@db/state", "s3://bucket", "https://api.pulumi.com", undefined])
      expect(fileBackendRoot(url)).toBeUndefined();
  });
});

describe("tornSidecars", () => {
  let root = "";
  const stacks = () => path.join(root, ".pulumi", "stacks", "project");
  const aMinuteAgo = new Date(Date.now() - 60_000);
  const sidecar = (name: string, content: string, at = aMinuteAgo) => {
    const file = path.join(stacks(), name);
    writeFileSync(file, content);
    utimesSync(file, at, at);
    return file;
  };
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "utho-backend-"));
    mkdirSync(stacks(), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("finds the stack's empty and cut-short ones, and leaves whole ones and state files alone", () => {
    const empty = sidecar("dev.json.attrs", "");
    const cut = sidecar("dev.json.bak.attrs", '{"user.cache_control":"","user.content_type":"appl');
    sidecar("staging.json.attrs", '{"user.content_type":"application/json"}\n');
    sidecar("dev.json", "");
    expect(tornSidecars(root, "project", "dev").sort()).toEqual([empty, cut].sort());
    removeSidecars([empty, cut]);
    expect(tornSidecars(root, "project", "dev")).toEqual([]);
  });

  it("never looks beyond the named stack: other stacks and other projects of the backend are left alone", () => {
    sidecar("prod.json.attrs", "");
    sidecar("dev2.json.attrs", "");
    const other = path.join(root, ".pulumi", "stacks", "other-project");
    mkdirSync(other);
    writeFileSync(path.join(other, "dev.json.attrs"), "");
    utimesSync(path.join(other, "dev.json.attrs"), aMinuteAgo, aMinuteAgo);
    expect(tornSidecars(root, "project", "dev")).toEqual([]);
    expect(tornSidecars(root, "other-project", "dev")).toEqual([path.join(other, "dev.json.attrs")]);
  });

  it("leaves one written a moment ago: a live run may be halfway through it", () => {
    sidecar("dev.json.attrs", "", new Date());
    expect(tornSidecars(root, "project", "dev")).toEqual([]);
  });

  it("finds nothing in a backend without a .pulumi folder", () => {
    expect(tornSidecars(path.join(root, "nothing-here"), "project", "dev")).toEqual([]);
  });
});
