package triggercache

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// TestCacheSpareCalls: a second run reads triggers from the file, not the
// API; an old entry (and soon an empty one) is read again; a garbled file
// is started afresh.
func TestCacheSpareCalls(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "cfbuilds", "triggers.json")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	calls := 0
	read := func(_ context.Context, w model.Worker) ([]model.Trigger, error) {
		calls++
		if w.Name == "none" {
			return nil, nil
		}
		return []model.Trigger{{TriggerName: "Deploy " + w.Name, BranchIncludes: []string{"main"}}}, nil
	}
	ws := []model.Worker{{Name: "a", Tag: "ta"}, {Name: "b", Tag: "tb"}, {Name: "none", Tag: "tn"}}
	run := func() {
		c := New(file, read, DefaultMaxAge, clock)
		for _, w := range ws {
			trs, err := c.Triggers(context.Background(), w)
			if err != nil || (w.Name != "none" && (len(trs) != 1 || trs[0].TriggerName != "Deploy "+w.Name)) {
				t.Fatalf("%s: %v %v", w.Name, trs, err)
			}
		}
		c.Save()
	}
	run()
	run()
	if calls != 3 {
		t.Fatalf("two runs cost %d calls, want 3", calls)
	}
	now = now.Add(15 * time.Minute) // nothing stale yet
	run()
	if calls != 3 {
		t.Fatalf("after 15 minutes: %d calls, want 3", calls)
	}
	now = now.Add(50 * time.Minute) // the empty entry is stale (an hour), the others not
	run()
	if calls != 4 {
		t.Fatalf("after 65 minutes: %d calls, want 4", calls)
	}
	now = now.Add(6 * time.Hour)
	run()
	if calls != 7 {
		t.Fatalf("after 7 hours: %d calls, want 7", calls)
	}
	if err := os.WriteFile(file, []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	run()
	if calls != 10 {
		t.Fatalf("a garbled file: %d calls, want 10", calls)
	}
}
