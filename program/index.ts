// Entry point named by the root Pulumi.yaml (`main: dist/program/index.js`), for a Pulumi CLI
// with the Node.js language host. The demo runs the same function as an inline program.
import { tokensAsCode } from "./tokens-as-code";

export = tokensAsCode();
