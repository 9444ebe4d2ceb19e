package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayers holds every package to the import rules ARCHITECTURE.md draws:
// model imports nothing of ours, styles only model, api never the dashboard
// or the simulator, the simulator never the client, the dashboard never the
// simulator.
func TestLayers(t *testing.T) {
	t.Parallel()
	const mod = "github.com/cfbuilds/cfbuilds/"
	allowed := map[string][]string{ // a package → the packages of ours it may import (prefixes)
		"model":                 {},
		"styles":                {"model"},
		"api":                   {"model"},
		"api/shared":            {"model"},
		"api/sim":               {},
		"api/sim/simtest":       {},
		"tui":                   {"model", "styles", "tui/", "api"},
		"internal/serve":        {"model", "tui", "api/shared", "internal/files"},
		"internal/files":        {},
		"internal/mcpserver":    {"model"},
		"internal/triggercache": {"model"},
		"internal/history":      {"model"},
		"internal/commitstatus": {},
	}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		rule, ok := allowed[pkg]
		if strings.HasPrefix(pkg, "tui/") {
			rule, ok = []string{"model", "styles", "tui/fit", "tui/nav", "tui/prompt"}, true // a pane
		}
		if !ok {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			ours, isOurs := strings.CutPrefix(p, mod)
			if !isOurs {
				continue
			}
			fine := false
			for _, a := range rule {
				fine = fine || ours == a || strings.HasSuffix(a, "/") && strings.HasPrefix(ours, a) && ours != "tui/"
			}
			if pkg == "tui" && ours == "api/sim" || !fine {
				t.Errorf("%s imports %s: ARCHITECTURE.md's layers do not allow it", path, ours)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
