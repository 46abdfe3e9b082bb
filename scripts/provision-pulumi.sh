#!/usr/bin/env bash
# Yields a working Pulumi CLI for this repo and prints the path of `pulumi` on the last line of
# stdout. Next to it are the Node.js, YAML and Go language hosts (`pulumi-language-nodejs`,
# `pulumi-language-yaml`, `pulumi-language-go`) and the dynamic provider host
# (`pulumi-resource-pulumi-nodejs`), so the engine finds them as bundled plugins.
#
# Order of preference:
#   1. `pulumi` on PATH, if at least as new as the @pulumi/pulumi in package-lock.json and with
#      the three language hosts beside it or on PATH (an official install ships them all);
#   2. a cached build outside the clone ($UTHO_PULUMI_CACHE, else $XDG_CACHE_HOME or ~/.cache),
#      keyed by version, so fresh clones and CI reuse it;
#   3. a build from the Go module proxy (slow the first time: progress goes to stderr). Only what
#      the cache lacks is built: a cached CLI without a language host gets that host added.
#   4. otherwise a clear message with the official install command.
#
# The Node.js language host: since mid-2023 it lives in its own module
# (sdk/nodejs/cmd/pulumi-language-nodejs/v3) that has no tags and that the module proxy reachable
# here does not serve at any pseudo-version tried. Until then it was part of the tagged
# github.com/pulumi/pulumi/sdk/v3 module; v3.68.0 is the last release that carries it. That host
# speaks the same gRPC protocol to the CLI and runs the program with the @pulumi/pulumi installed in
# node_modules (its `cmd/run`), so the program itself runs on the SDK version this repo pins.
#
# The YAML language host is its own module, github.com/pulumi/pulumi-yaml, tagged and served. It is
# built in a wrapper module of its own that requires only it, so its pkg/v3 and sdk/v3 resolve to
# the versions it was released with (v3.206.0 for v1.25.0): built against the CLI's v3.259.0 it
# does not compile. It talks to the CLI over gRPC only, so the two versions need not match.
#
# The Go language host, like the Node.js one, left sdk/v3 for a module of its own
# (sdk/go/pulumi-language-go/v3) that the module proxy here refuses (403); sdk/v3 v3.66.0 is the
# last release that carries it (as sdk/v3/go/pulumi-language-go). It builds each Go program with
# the sdk/v3 version the program's own go.mod names, so programs are not held to v3.66.0.
set -euo pipefail

CLI_VERSION="${UTHO_PULUMI_CLI_VERSION:-3.259.0}"
LANGUAGE_HOST_SDK_VERSION="3.68.0"
YAML_HOST_VERSION="1.25.0"
GO_HOST_SDK_VERSION="3.66.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${UTHO_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/utho-pulumi-tokens}"
build_dir="$cache_root/pulumi-cli/v$CLI_VERSION"
bin_dir="$build_dir/bin"
# The variables the releases set by -ldflags -X: an empty version breaks the engine's checks.
sdk_version_var="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
yaml_version_var="github.com/pulumi/pulumi-yaml/pkg/version.Version"

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

# The dynamic-provider host ships in @pulumi/pulumi as a small script that resolves the package
# from the program's directory, so one copy next to the CLI serves every clone.
bundle_dynamic_provider() {
  local plugin="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [ -f "$plugin" ] && [ ! -x "$1/pulumi-resource-pulumi-nodejs" ]; then
    install -m 0755 "$plugin" "$1/"
  fi
}

# The YAML and Go hosts' versions are not in the name of the folder, which is the CLI's: a stamp
# in each one's build folder ($1) says which version was built, so changing a pin rebuilds that
# host, and only it. True when binary $2 is in the cache at version $3.
cached_host_is() {
  [ -x "$bin_dir/$2" ] && [ "$(cat "$build_dir/$1/built-version" 2>/dev/null)" = "$3" ]
}
has_yaml_host() { cached_host_is yaml-host pulumi-language-yaml "$YAML_HOST_VERSION"; }
has_go_host() { cached_host_is go-host pulumi-language-go "$GO_HOST_SDK_VERSION"; }

# True when every language host is beside `pulumi` in folder $1 or on PATH.
has_language_hosts() {
  local language
  for language in nodejs yaml go; do
    [ -x "$1/pulumi-language-$language" ] || command -v "pulumi-language-$language" >/dev/null 2>&1 || return 1
  done
}

required="$(sdk_version)"

if command -v pulumi >/dev/null 2>&1; then
  found="$(PULUMI_SKIP_UPDATE_CHECK=true pulumi version 2>/dev/null | sed 's/^v//' || true)"
  path_dir="$(dirname "$(command -v pulumi)")"
  if [ -n "$found" ] && version_at_least "$found" "$required" &&
    has_language_hosts "$path_dir"; then
    command -v pulumi
    exit 0
  fi
  log "pulumi on PATH (v${found:-unknown}) is older than the SDK's v$required or lacks a language host (nodejs, yaml, go): not used"
fi

if [ -x "$bin_dir/pulumi" ] && [ -x "$bin_dir/pulumi-language-nodejs" ] && has_yaml_host && has_go_host &&
  "$bin_dir/pulumi" version >/dev/null 2>&1; then
  bundle_dynamic_provider "$bin_dir"
  echo "$bin_dir/pulumi"
  exit 0
fi

if ! version_at_least "$CLI_VERSION" "$required"; then
  log "UTHO_PULUMI_CLI_VERSION=$CLI_VERSION is older than @pulumi/pulumi v$required; pick a newer one"
  exit 1
fi

if ! command -v go >/dev/null 2>&1; then
  log "no usable pulumi CLI found and no Go toolchain to build one."
  log "Install the CLI the official way:  curl -fsSL https://get.pulumi.com | sh"
  exit 1
fi

# Builds main package $3 of module $2 (whose go.mod is written from stdin) into $bin_dir/$4,
# setting the version variable $5 to $6.
build() {
  local dir="$build_dir/$1" module="$2" pkg="$3" out="$4" version_var="$5" version="$6" start=$SECONDS
  mkdir -p "$dir" "$bin_dir"
  cat > "$dir/go.mod"
  printf '//go:build tools\n\n// Package tools pins the main package so `go mod tidy` keeps its dependencies.\npackage tools\n\nimport _ "%s"\n' \
    "$pkg" > "$dir/tools.go"
  log "$out: resolving modules of $module (go mod tidy)…"
  (cd "$dir" && go mod tidy)
  log "$out: compiling (one line per 200 packages)…"
  (cd "$dir" && CGO_ENABLED=0 go build -v -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $version_var=v$version" -o "$bin_dir/$out.tmp" "$pkg" 2>&1) |
    awk '/^#|\.go:[0-9]|^go: / {print > "/dev/stderr"; next}
      {n++; if (n%200==0) {printf "[provision-pulumi] %d packages compiled\n", n > "/dev/stderr"}}'
  mv "$bin_dir/$out.tmp" "$bin_dir/$out"
  log "$out: built in $((SECONDS - start)) s"
}

log "building what $bin_dir lacks of the Pulumi CLI v$CLI_VERSION and its Node.js, YAML (v$YAML_HOST_VERSION) and Go language hosts"
log "(the first build takes a few minutes on 2 cores; later runs and fresh clones reuse it)"

# pkg/v3's own go.mod has `replace` directives, which `go install pkg@version` refuses; a
# wrapper module that requires it and repeats the replace it needs builds it instead.
[ -x "$bin_dir/pulumi" ] || build cli github.com/pulumi/pulumi/pkg/v3 \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi "$sdk_version_var" "$CLI_VERSION" <<MOD
module utho-pulumi-tokens/pulumi-cli-build

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v$CLI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$CLI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD

[ -x "$bin_dir/pulumi-language-nodejs" ] || build language-host github.com/pulumi/pulumi/sdk/v3 \
  github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs pulumi-language-nodejs \
  "$sdk_version_var" "$LANGUAGE_HOST_SDK_VERSION" <<MOD
module utho-pulumi-tokens/pulumi-language-nodejs-build

go 1.21

require github.com/pulumi/pulumi/sdk/v3 v$LANGUAGE_HOST_SDK_VERSION
MOD

if ! has_yaml_host; then
  build yaml-host github.com/pulumi/pulumi-yaml \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml pulumi-language-yaml \
    "$yaml_version_var" "$YAML_HOST_VERSION" <<MOD
module utho-pulumi-tokens/pulumi-language-yaml-build

go 1.24.7

require github.com/pulumi/pulumi-yaml v$YAML_HOST_VERSION
MOD
  echo "$YAML_HOST_VERSION" > "$build_dir/yaml-host/built-version"
fi

if ! has_go_host; then
  build go-host github.com/pulumi/pulumi/sdk/v3 \
    github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go pulumi-language-go \
    "$sdk_version_var" "$GO_HOST_SDK_VERSION" <<MOD
module utho-pulumi-tokens/pulumi-language-go-build

go 1.21

require github.com/pulumi/pulumi/sdk/v3 v$GO_HOST_SDK_VERSION
MOD
  echo "$GO_HOST_SDK_VERSION" > "$build_dir/go-host/built-version"
fi

bundle_dynamic_provider "$bin_dir"
log "ready: $("$bin_dir/pulumi" version)"
echo "$bin_dir/pulumi"
