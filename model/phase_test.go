package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func at(s int) *time.Time { t := t0.Add(time.Duration(s) * time.Second); return &t }

// spansText is a timeline as "name duration" words, the current marked ▸,
// the failed ✗.
func spansText(spans []Span) string {
	var out []string
	for _, s := range spans {
		mark := ""
		if s.Current {
			mark = "▸"
		}
		if s.Failed {
			mark = "✗"
		}
		out = append(out, fmt.Sprintf("%s%s %s", mark, s.Name, FormatDuration(s.Duration())))
	}
	return strings.Join(out, " · ")
}

// trackLog runs a tracker over lines of "seconds text".
func trackLog(lines ...string) PhaseTracker {
	var tr PhaseTracker
	for _, l := range lines {
		var s int
		var text string
		fmt.Sscanf(l, "%d", &s)
		_, text, _ = strings.Cut(l, " ")
		tr.Add(*at(s), []byte(text))
	}
	return tr
}

var realLog = []string{
	"2 Initializing build environment...",
	"7 Success: Finished initializing build environment",
	"7 Cloning repository...",
	"9 Success: Finished cloning repository files",
	"10 Installing project dependencies: npm clean-install --progress=false",
	"19 added 576 packages in 9s",
	"20 Executing user build command: npm run build",
	"32 Success: Build command completed",
	"33 Executing user deploy command: npx wrangler deploy",
	"37 Uploaded api-gateway (2.10 sec)",
	"38 Current Version ID: 1b2c",
	"38 Success: Deploy command completed",
}

func TestTimelineOfARunningBuild(t *testing.T) {
	t.Parallel()
	tr := trackLog(realLog[:8]...)
	b := Build{UUID: "b", CreatedOn: *at(0), InitializingOn: at(2), RunningOn: at(7), Status: StatusRunning}
	got := spansText(Timeline(b, nil, tr.Marks, *at(30)))
	want := "queue 2s · initialize 5s · clone 3s · install 10s · ▸build command 10s"
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if tr.Deployed {
		t.Fatal("deployed before any deploy line")
	}
}

func TestTimelineOfAFinishedBuild(t *testing.T) {
	t.Parallel()
	tr := trackLog(realLog...)
	b := Build{UUID: "b", CreatedOn: *at(0), InitializingOn: at(2), RunningOn: at(7), StoppedOn: at(40), Status: StatusStopped, Outcome: OutcomeSuccess}
	got := spansText(Timeline(b, nil, tr.Marks, *at(99)))
	want := "queue 2s · initialize 5s · clone 3s · install 10s · build command 13s · deploy command 7s"
	if got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	if !tr.Deployed {
		t.Fatal("the Uploaded and Current Version ID lines were not seen")
	}
	b.Outcome = OutcomeFail
	if got := spansText(Timeline(b, nil, tr.Marks, *at(99))); !strings.HasSuffix(got, "✗deploy command 7s") {
		t.Fatalf("a failed build's last phase is not marked: %s", got)
	}
}

// A log whose wording changed still gives the timestamp phases; the
// events fill in initializing when the build lacks its timestamps.
func TestTimelineFromTimestampsAlone(t *testing.T) {
	t.Parallel()
	tr := trackLog("3 Setting up the box", "8 Fetching the code", "20 Compiling")
	if len(tr.Marks) != 0 {
		t.Fatalf("marks from lines that name no phase: %+v", tr.Marks)
	}
	b := Build{UUID: "b", CreatedOn: *at(0), RunningOn: at(8), Status: StatusRunning}
	ev := []PhaseEvent{{Type: "initializing", StartedOn: at(3), EndedOn: at(8)}}
	got := spansText(Timeline(b, ev, tr.Marks, *at(25)))
	if want := "queue 3s · initialize 5s · ▸run 17s"; got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	queued := Build{UUID: "q", CreatedOn: *at(0), Status: StatusQueued}
	if got := spansText(Timeline(queued, nil, nil, *at(4))); got != "▸queue 4s" {
		t.Fatalf("queued: %s", got)
	}
}

func TestUsualOnAKnownHistory(t *testing.T) {
	t.Parallel()
	var hist []Build
	for i, secs := range []int{150, 60, 140, 70, 130, 80, 120, 90, 110, 100} {
		hist = append(hist, Build{UUID: fmt.Sprint(i), WorkerTag: "w", Meta: TriggerMetadata{Branch: "main"},
			CreatedOn: *at(0), InitializingOn: at(i + 1), StoppedOn: at(secs), Status: StatusStopped, Outcome: OutcomeSuccess})
	}
	// Not counted: another branch's (too few there, but counted for the
	// Worker), a failure, another Worker's.
	hist = append(hist,
		Build{UUID: "f", WorkerTag: "w", Meta: TriggerMetadata{Branch: "main"}, CreatedOn: *at(0), StoppedOn: at(5), Status: StatusStopped, Outcome: OutcomeFail},
		Build{UUID: "o", WorkerTag: "other", Meta: TriggerMetadata{Branch: "main"}, CreatedOn: *at(0), StoppedOn: at(900), Status: StatusStopped, Outcome: OutcomeSuccess})
	all := func(yield func(Build) bool) {
		for _, b := range hist {
			if !yield(b) {
				return
			}
		}
	}
	u := UsualOf(Build{UUID: "new", WorkerTag: "w", Meta: TriggerMetadata{Branch: "main"}}, all)
	if u.N != 10 || u.Scope != "branch" || u.Median != 100*time.Second || u.P90 != 140*time.Second {
		t.Fatalf("%+v", u)
	}
	// Waits: 1..10 s for the ten, none for the failure (no start) → median 5 s.
	if !u.WaitKnown || u.Wait != 5*time.Second {
		t.Fatalf("wait %v %v", u.Wait, u.WaitKnown)
	}
	// A branch with no history falls back to the Worker's builds.
	if u := UsualOf(Build{UUID: "x", WorkerTag: "w", Meta: TriggerMetadata{Branch: "feature"}}, all); u.Scope != "Worker" || u.N != 10 {
		t.Fatalf("fallback: %+v", u)
	}
	if u := UsualOf(Build{UUID: "y", WorkerTag: "none"}, all); u.N != 0 {
		t.Fatalf("a Worker with no history: %+v", u)
	}
}

// Tracking costs the same per page however long the log is.
func BenchmarkPhaseTrackPage(b *testing.B) {
	page := make([][]byte, 1000)
	for i := range page {
		page[i] = []byte(fmt.Sprintf("[%d] compiled src/module_%d.ts in 12ms, \x1b[32mok\x1b[0m", i, i))
	}
	page[500] = []byte("Executing user build command: npm run build")
	for _, before := range []int{0, 1_000_000} {
		b.Run(fmt.Sprintf("after_%d_lines", before), func(b *testing.B) {
			var tr PhaseTracker
			tr.n = before
			for b.Loop() {
				for _, l := range page {
					tr.Add(t0, l)
				}
				tr.Marks = tr.Marks[:0]
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/page")
		})
	}
}

// Per-phase medians come from the builds whose phases are known, only for
// phases known of three or more.
func TestUsualPerPhase(t *testing.T) {
	t.Parallel()
	var hist []Build
	spans := map[string][]Span{}
	for i, install := range []int{8, 10, 12, 30} {
		id := fmt.Sprint(i)
		hist = append(hist, Build{UUID: id, WorkerTag: "w", Meta: TriggerMetadata{Branch: "main"}, Status: StatusStopped, Outcome: OutcomeSuccess})
		spans[id] = []Span{{Name: PhaseInstall, Start: *at(0), End: *at(install)}}
		if i < 2 {
			spans[id] = append(spans[id], Span{Name: PhaseDeploy, Start: *at(0), End: *at(5)})
		}
	}
	all := func(yield func(Build) bool) {
		for _, b := range hist {
			if !yield(b) {
				return
			}
		}
	}
	u := Usual{}.WithPhases(Build{UUID: "new", WorkerTag: "w", Meta: TriggerMetadata{Branch: "main"}}, all, func(id string) []Span { return spans[id] })
	if u.Phase[PhaseInstall] != 10*time.Second {
		t.Fatalf("install: %v", u.Phase)
	}
	if _, ok := u.Phase[PhaseDeploy]; ok {
		t.Fatalf("a phase known of two builds has a median: %v", u.Phase)
	}
}
