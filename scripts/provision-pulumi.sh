#!/usr/bin/env bash
# Yields a working `pulumi` CLI for this repo and prints its absolute path on the last line of stdout.
#
# Order of preference:
#   1. `pulumi` on PATH, if at least as new as the @pulumi/pulumi in package-lock.json;
#   2. a cached build outside the clone ($UTHO_PULUMI_CACHE, else $XDG_CACHE_HOME or ~/.cache),
#      keyed by version, so fresh clones and CI reuse it;
#   3. a build of the CLI from the Go module proxy (slow the first time: progress goes to stderr);
#   4. otherwise a clear message with the official install command.
#
# The Node.js language host (sdk/nodejs/cmd/pulumi-language-nodejs) is an untagged Go module
# that the module proxy reachable here does not serve, so it is not built: the demo and the
# end-to-end tests drive the engine through the Automation API with inline programs, which
# run the program inside the calling Node process and need only this binary.
set -euo pipefail

CLI_VERSION="${UTHO_PULUMI_CLI_VERSION:-3.259.0}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${UTHO_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/utho-pulumi-tokens}"
build_dir="$cache_root/pulumi-cli/v$CLI_VERSION"
bin="$build_dir/bin/pulumi"

log() { printf '[provision-pulumi] %s\n' "$*" >&2; }

# The @pulumi/pulumi version the repo is locked to: the CLI must be at least that new.
sdk_version() {
  node -e 'const l=require(process.argv[1]);const p=l.packages&&l.packages["node_modules/@pulumi/pulumi"];process.stdout.write(p?p.version:"0.0.0")' \
    "$here/package-lock.json" 2>/dev/null || echo 0.0.0
}

# True when version $1 >= version $2 (plain x.y.z).
version_at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

required="$(sdk_version)"

if command -v pulumi >/dev/null 2>&1; then
  found="$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null | sed 's/^v//' || true)"
  if [ -n "$found" ] && version_at_least "$found" "$required"; then
    command -v pulumi
    exit 0
  fi
  log "pulumi on PATH is v${found:-unknown}, older than the SDK's v$required: not used"
fi

# The dynamic-provider host ships in @pulumi/pulumi as a small script that resolves the package
# from the program's directory. Next to the CLI, the engine finds it as a bundled plugin.
bundle_dynamic_provider() {
  local plugin="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [ -f "$plugin" ] && [ ! -x "$(dirname "$1")/pulumi-resource-pulumi-nodejs" ]; then
    install -m 0755 "$plugin" "$(dirname "$1")/"
  fi
}

if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  bundle_dynamic_provider "$bin"
  echo "$bin"
  exit 0
fi

if ! version_at_least "$CLI_VERSION" "$required"; then
  log "UTHO_PULUMI_CLI_VERSION=$CLI_VERSION is older than @pulumi/pulumi v$required; pick a newer one"
  exit 1
fi

if ! command -v go >/dev/null 2>&1; then
  log "no pulumi CLI found and no Go toolchain to build one."
  log "Install the CLI the official way:  curl -fsSL https://get.pulumi.com | sh"
  exit 1
fi

log "building the Pulumi CLI v$CLI_VERSION from the Go module proxy into $build_dir"
log "(the first build takes several minutes on 2 cores; later runs reuse it)"
mkdir -p "$build_dir/wrapper" "$build_dir/bin"
cd "$build_dir/wrapper"

# pkg/v3's own go.mod has `replace` directives, which `go install pkg@version` refuses. A
# wrapper module that requires it, and repeats the replace it needs, builds it instead.
cat > go.mod <<MOD
module utho-pulumi-tokens/pulumi-cli-build

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v$CLI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$CLI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat > tools.go <<'GO'
//go:build tools

// Package tools pins the CLI's main package so `go mod tidy` keeps its dependencies.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO

start=$SECONDS
log "resolving modules (go mod tidy)…"
go mod tidy -x 2>&1 | grep --line-buffered -E '^# get .*(200|404|410)' | awk '{n++; if (n%100==0) {printf "[provision-pulumi] %d module files fetched\n", n > "/dev/stderr"}}' || true
go mod tidy
log "compiling (go build -v prints each package)…"
CGO_ENABLED=0 go build -v -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION" \
  -o "$bin.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1 |
  awk '{n++; if (n%200==0) {printf "[provision-pulumi] %d packages compiled\n", n > "/dev/stderr"}}'
mv "$bin.tmp" "$bin"
bundle_dynamic_provider "$bin"
log "built $("$bin" version) in $((SECONDS - start)) s"
echo "$bin"
