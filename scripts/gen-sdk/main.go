// Command gen-sdk writes the Pulumi SDKs of a package schema, one folder per language:
//
//	gen-sdk <schema.json> <out-dir> <language>...   (languages: go, nodejs, python)
//
// It calls the code generators of github.com/pulumi/pulumi/pkg/v3/codegen, the library behind
// `pulumi package gen-sdk`. The CLI no longer generates in-process: it asks the language host's
// GeneratePackage RPC, which the hosts that build here from the module proxy (sdk/v3 v3.66.0 and
// v3.68.0) predate. See docs/languages.md. scripts/gen-sdk.sh builds and runs this.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The name the generated files' "do not edit" header gives as their generator.
const tool = "utho-pulumi-tokens scripts/gen-sdk.sh"

// noPackages is the loader for a schema that references no other package: binding fails with a
// clear message if it does.
type noPackages struct{}

var errNoPackages = errors.New("the schema references another Pulumi package; gen-sdk loads none")

func (noPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, errNoPackages
}

// generate returns the files of one language's SDK, by path relative to its folder.
func generate(language string, pkg *schema.Package) (map[string][]byte, error) {
	switch language {
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	case "nodejs":
		return nodejsgen.GeneratePackage(tool, pkg, nil, nil, false, noPackages{})
	case "python":
		return pythongen.GeneratePackage(tool, pkg, nil, noPackages{})
	default:
		return nil, fmt.Errorf("unknown language %q (go, nodejs, python)", language)
	}
}

// bind validates the schema, as `pulumi package gen-sdk` does, and binds it. Each language
// gets a fresh binding: the generators record their language's options on the package.
func bind(raw []byte) (*schema.Package, error) {
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("reading the schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return pkg, nil
}

// write replaces folder dir with the given files.
func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func run(args []string) error {
	if len(args) < 3 {
		return errors.New("usage: gen-sdk <schema.json> <out-dir> <language>... (go, nodejs, python)")
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	for _, language := range args[2:] {
		pkg, err := bind(raw)
		if err != nil {
			return err
		}
		files, err := generate(language, pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		dir := filepath.Join(args[1], language)
		if err := write(dir, files); err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		fmt.Fprintf(os.Stderr, "[gen-sdk] %s: %d files in %s\n", language, len(files), dir)
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "[gen-sdk] %v\n", err)
		os.Exit(1)
	}
}
