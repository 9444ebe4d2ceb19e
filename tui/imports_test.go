package tui

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportRules holds the layers ARCHITECTURE.md draws: the panes import model,
// styles and their helpers, never the root, api or the simulator; the root
// reaches api only for its error kinds (in poller.go) and never imports the
// simulator.
func TestImportRules(t *testing.T) {
	t.Parallel()
	const mod = "github.com/cfbuilds/cfbuilds/"
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pane := strings.Contains(path, string(filepath.Separator))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == mod+"api/sim":
				t.Errorf("%s imports the simulator: the program must not know it is a demo", path)
			case pane && (p == mod+"tui" || p == mod+"api"):
				t.Errorf("%s imports %s: a pane knows only model and styles", path, p)
			case !pane && p == mod+"api" && path != "poller.go":
				t.Errorf("%s imports api: the root reaches it through Source, in model types", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
