/**
 * End-to-end harness for jest: provisions the Pulumi CLI once per file and opens projects
 * (`project.ts`) that are closed after each test.
 */
import { provisionPulumi } from "../../scripts/engine";
import { type E2EProject, type OpenOptions, openProject } from "./project";

export type { Credentials, E2EProject, OpenOptions, RunOptions, StateExport } from "./project";

// Each test runs several CLI commands of a few seconds each; on a loaded 2-core machine one can
// take ten times as long, and a timeout is a safety net, not a measure. (jest reads testTimeout
// only from the top-level config, not from a project's, so the e2e files set it here.)
jest.setTimeout(300_000);

/**
 * For a test file: provisions the CLI once, and returns `open(source, options)`, whose
 * projects are closed (emulators stopped, directories removed) after each test.
 */
export function useProjects(): (source: string, options?: OpenOptions) => Promise<E2EProject> {
  let pulumiBinary = "";
  const opened: E2EProject[] = [];
  beforeAll(() => {
    pulumiBinary = provisionPulumi();
  });
  afterEach(async () => {
    for (const project of opened.splice(0)) await project.close();
  });
  return async (source, options = {}) => {
    const project = await openProject(source, pulumiBinary, options);
    opened.push(project);
    return project;
  };
}
