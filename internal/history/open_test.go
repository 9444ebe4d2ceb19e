package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cfbuilds/cfbuilds/model"
)

// Never lose the file (#37.2).

// TestConcurrentOpensMigrateOnce: ten openers of a fresh file at once, 20
// rounds: the schema is made once, no file is moved aside, and every
// opener's build is counted once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		dir := t.TempDir()
		path := filepath.Join(dir, "history.db")
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, err := Open(context.Background(), path, 0)
				if err != nil {
					errs <- err
					return
				}
				defer h.Close()
				if h.Note != "" {
					errs <- fmt.Errorf("note: %s", h.Note)
				}
				errs <- h.Record(context.Background(), []model.Build{{UUID: fmt.Sprintf("u%d", i), WorkerName: "api", Status: model.StatusStopped, CreatedOn: t0}})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) != 0 {
			t.Fatalf("round %d: a healthy file was moved aside: %v", round, aside)
		}
		h, err := Open(context.Background(), path, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := h.Count(context.Background()); err != nil || n != 10 {
			t.Fatalf("round %d: %d builds (%v), want 10", round, n, err)
		}
		h.Close()
	}
}

// TestConcurrentOpensOfACorruptFile: five openers of a corrupt file at
// once move it aside once, whole: the copy keeps every byte.
func TestConcurrentOpensOfACorruptFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	garbage := []byte(strings.Repeat("not a database ", 40000/15))
	if err := os.WriteFile(path, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if h, err := Open(context.Background(), path, 0); err == nil {
				h.Close()
			} else {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("moved aside %d times: %v", len(aside), aside)
	}
	if got, _ := os.ReadFile(aside[0]); len(got) != len(garbage) {
		t.Fatalf("the copy holds %d bytes, want %d", len(got), len(garbage))
	}
}

// TestANewerSchemaIsLeftAlone: a history from a newer cfbuilds is not
// opened and not moved aside; the error says so.
func TestANewerSchemaIsLeftAlone(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	h, err := Open(context.Background(), path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	h.Close()
	_, err = Open(context.Background(), path, 0)
	if !errors.Is(err, ErrNewer) || !strings.Contains(err.Error(), "history is off for this run") {
		t.Fatalf("a newer schema: %v", err)
	}
	if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) != 0 {
		t.Fatalf("a newer file was moved aside: %v", aside)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
