#!/usr/bin/env bash
# Generates the SDKs of a Pulumi package schema (the `utho` plugin's: `pulumi package get-schema
# ./path/to/pulumi-resource-utho > schema.json`), one folder per language, and prints each
# folder's path on stdout:
#
#   scripts/gen-sdk.sh <schema.json> <out-dir> [go] [nodejs] [python]   (default: all three)
#
# With an official Pulumi install, `pulumi package gen-sdk <schema.json> --language go --out
# <out-dir>` does the same: the CLI hands the schema to the language host's GeneratePackage RPC.
# The language hosts that build here (sdk/v3 v3.66.0 and v3.68.0, see provision-pulumi.sh) predate
# that RPC ("unknown method GeneratePackage"), so this script calls the same code generators
# directly: github.com/pulumi/pulumi/pkg/v3/codegen at the CLI's version, through the small Go
# program in scripts/gen-sdk/, built once into the cache beside the CLI. After that first build
# (about a minute once the CLI's modules are cached) generation runs offline, in about a second.
#
# C# (dotnet) and Java: their generators left pkg/v3 for their own repositories' modules, which the
# module proxy here refuses; see docs/languages.md.
#
# The Go SDK gets a go.mod only when the schema says `"meta": {"supportPack": true}`; its module
# path is then `language.go.importBasePath` minus its last element.
set -euo pipefail

CLI_VERSION="${UTHO_PULUMI_CLI_VERSION:-3.259.0}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${UTHO_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/utho-pulumi-tokens}"
build_dir="$cache_root/pulumi-cli/v$CLI_VERSION/gen-sdk"
source_file="$here/scripts/gen-sdk/main.go"

log() { printf '[gen-sdk] %s\n' "$*" >&2; }

if [ $# -lt 2 ]; then
  log "usage: scripts/gen-sdk.sh <schema.json> <out-dir> [go] [nodejs] [python]"
  exit 2
fi
schema="$1" out="$2"
shift 2
languages=("$@")
[ ${#languages[@]} -gt 0 ] || languages=(go nodejs python)

for language in "${languages[@]}"; do
  case "$language" in
  go | nodejs | python) ;;
  dotnet | csharp | java)
    log "$language: no generator can be built here (see docs/languages.md); an official Pulumi install runs"
    log "  pulumi package gen-sdk $schema --language $language --out $out"
    exit 1
    ;;
  *)
    log "unknown language '$language': go, nodejs or python"
    exit 2
    ;;
  esac
done
[ -f "$schema" ] || {
  log "no schema file at $schema"
  exit 2
}

# The generator is rebuilt when its source changes: the stamp is the source's hash.
source_hash="$(sha256sum "$source_file" | cut -d' ' -f1)"
if [ ! -x "$build_dir/gen-sdk" ] || [ "$(cat "$build_dir/built-from" 2>/dev/null)" != "$source_hash" ]; then
  command -v go >/dev/null 2>&1 || {
    log "building the generator needs a Go toolchain (go 1.25.11 or newer)"
    exit 1
  }
  log "building the generator on github.com/pulumi/pulumi/pkg/v3 v$CLI_VERSION into $build_dir (once)"
  start=$SECONDS
  mkdir -p "$build_dir"
  cp "$source_file" "$build_dir/main.go"
  # pkg/v3 needs the replace its own go.mod carries, as for the CLI's build.
  cat > "$build_dir/go.mod" <<MOD
module utho-pulumi-tokens/gen-sdk

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v$CLI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$CLI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
  (cd "$build_dir" && go mod tidy && CGO_ENABLED=0 go build -trimpath -o gen-sdk.tmp . && mv gen-sdk.tmp gen-sdk)
  echo "$source_hash" > "$build_dir/built-from"
  log "generator built in $((SECONDS - start)) s"
fi

"$build_dir/gen-sdk" "$schema" "$out" "${languages[@]}"
for language in "${languages[@]}"; do
  echo "$out/$language"
done
