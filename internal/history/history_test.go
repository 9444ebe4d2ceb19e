package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api"
	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { x := t0.Add(d); return &x }

// TestRecordIsAnUpsert: a later state replaces an earlier one, a stopped
// build never goes back to running, the log's facts are kept.
func TestRecordIsAnUpsert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, err := Open(ctx, filepath.Join(t.TempDir(), "history.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	running := model.Build{UUID: "u1", WorkerName: "api", Status: model.StatusRunning, CreatedOn: t0, RunningOn: at(time.Second)}
	stopped := running
	stopped.Status, stopped.Outcome, stopped.StoppedOn = model.StatusStopped, model.OutcomeFail, at(time.Minute)
	for _, bs := range [][]model.Build{{running}, {stopped}, {running}} {
		if err := h.Record(ctx, bs); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.RecordFailure(ctx, "u1", model.Failure{Phase: "build", Text: "✘ [ERROR] no"}); err != nil {
		t.Fatal(err)
	}
	got, err := h.Builds(ctx, Filter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	b := got[0]
	if b.Status != model.StatusStopped || b.Outcome != model.OutcomeFail || b.StoppedOn == nil || !b.StoppedOn.Equal(*stopped.StoppedOn) || b.FailedPhase != "build" {
		t.Fatalf("stored %+v", b)
	}
}

// TestACorruptFileIsMovedAside: a file that is not a database is kept
// aside and a new history made, said once; never a failure.
func TestACorruptFileIsMovedAside(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := Open(context.Background(), path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if !strings.Contains(h.Note, "moved to") {
		t.Fatalf("note %q", h.Note)
	}
	matches, _ := filepath.Glob(path + ".corrupt-*")
	if len(matches) != 1 {
		t.Fatalf("the corrupt file was not kept aside: %v", matches)
	}
	if n, err := h.Count(context.Background()); err != nil || n != 0 {
		t.Fatalf("new history: %d %v", n, err)
	}
}

// simRig is a simulated account with a client.
func simRig(t testing.TB, workers int) (*sim.Sim, *api.Client) {
	t.Helper()
	clock := simtest.NewManualClock(t0)
	s := sim.New(sim.Options{Workers: workers, PushEvery: -1, History: 30, Seed: 9, Clock: clock, Quota: 1 << 30})
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.New(s.AccountID(), s.Token(), api.WithBaseURL(sv.URL), api.WithScheduler(api.NewScheduler(0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sv.Close(); c.Close() })
	return s, c
}

// pager reads pages of 10 (several pages a Worker), failing the call
// number failAt (0: never).
func pager(c *api.Client, failAt int) Pager {
	calls := 0
	return func(ctx context.Context, w model.Worker, page int) ([]model.Build, bool, error) {
		calls++
		if calls == failAt {
			return nil, false, errors.New("the network went away")
		}
		p, err := c.WorkerBuilds(ctx, w.Tag, page, 10)
		if err != nil {
			return nil, false, err
		}
		return p.Builds, p.More(), nil
	}
}

// TestSyncIsIncrementalAndResumes (#32): the first sync reads every
// Worker's history; a second costs the latest-builds calls alone (23
// Workers: 2 requests); an interrupted first sync, run again, finishes
// without duplicates.
func TestSyncIsIncrementalAndResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, c := simRig(t, 23)
	ws, err := c.Workers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Open(ctx, filepath.Join(t.TempDir(), "h.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// Interrupted at the 10th page read.
	if _, err := h.Sync(ctx, c, pager(c, 10), ws, nil); err == nil {
		t.Fatal("the interruption was not said")
	}
	first, err := h.Sync(ctx, c, pager(c, 0), ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := h.Count(ctx)
	if n != len(s.Builds()) {
		t.Fatalf("%d builds stored, the account has %d", n, len(s.Builds()))
	}
	before := s.Requests()["total"]
	second, err := h.Sync(ctx, c, pager(c, 0), ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Requests()["total"] - before; got > 5 || second.Read != 0 {
		t.Fatalf("a second sync of 23 Workers cost %d requests and read %d builds (first: %+v)", got, second.Read, first)
	}
	// A new build: read on the next sync, a page of one Worker.
	s.Inject(sim.Spec{Lines: []string{"x"}})
	third, _ := h.Sync(ctx, c, pager(c, 0), ws, nil)
	if third.Read != 1 || third.Workers != 1 {
		t.Fatalf("after one new build: %+v", third)
	}
}

// TestTheFileGrowsLittle (#32): at most 1 KB a build.
func TestTheFileGrowsLittle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	h, err := Open(ctx, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	if err := h.Record(ctx, fakeBuilds(n, 0)); err != nil {
		t.Fatal(err)
	}
	_, _ = h.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	h.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if per := fi.Size() / n; per > 1024 {
		t.Fatalf("%d bytes a build", per)
	} else {
		t.Logf("%d bytes a build", per)
	}
}

// fakeBuilds are n stopped builds over 40 Workers and the last months.
func fakeBuilds(n, from int) []model.Build {
	out := make([]model.Build, n)
	for i := range out {
		k := from + i
		created := t0.Add(-time.Duration(k) * 7 * time.Minute)
		ini, run, stop := created.Add(3*time.Second), created.Add(8*time.Second), created.Add(time.Duration(30+k%60)*time.Second)
		o := model.OutcomeSuccess
		if k%7 == 0 {
			o = model.OutcomeFail
		}
		out[i] = model.Build{UUID: fmt.Sprintf("%08x-0000-4000-8000-%012x", k, k), WorkerName: fmt.Sprintf("worker-%02d", k%40), WorkerTag: fmt.Sprintf("%032x", k%40),
			Status: model.StatusStopped, Outcome: o, CreatedOn: created, InitializingOn: &ini, RunningOn: &run, StoppedOn: &stop,
			Meta:    model.TriggerMetadata{Branch: []string{"main", "feature/x", "release"}[k%3], CommitHash: fmt.Sprintf("%040x", k/80), Source: "push"},
			Trigger: model.Trigger{TriggerName: "Deploy"}}
	}
	return out
}

// BenchmarkStats100k (#32): stats over 100,000 stored builds, read and
// counted, goal 200 ms.
func BenchmarkStats100k(b *testing.B) {
	ctx := context.Background()
	h, err := Open(ctx, filepath.Join(b.TempDir(), "h.db"), 10*365*24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	for i := 0; i < 100_000; i += 10_000 {
		if err := h.Record(ctx, fakeBuilds(10_000, i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		st, err := h.Stats(ctx, Filter{}, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.MinutesUsed(ctx, 3000, t0); err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, s := range st {
			n += s.Builds
		}
		if len(st) != 40 || len(st[0].Flaky) == 0 || n != 100_000 || st[0].Total.N == 0 {
			b.Fatal(len(st), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/stats")
}
