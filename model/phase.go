package model

import "time"

// The phases of a build, in order. Queue and initialize come from the
// build's timestamps (and the log page's events); the others from the lines
// that start them. A log whose lines changed wording still shows the first
// two and one "run" span: matching is loose and never required.
const (
	PhaseQueue      = "queue"
	PhaseInitialize = "initialize"
	PhaseClone      = "clone"
	PhaseInstall    = "install"
	PhaseBuild      = "build command"
	PhaseDeploy     = "deploy command"
	PhaseRun        = "run" // the running time when no line named a phase
)

// PhaseMark is a line that starts a phase: its index in the log and time.
type PhaseMark struct {
	Name string
	Line int
	At   time.Time
}

// phaseLines are the words that start each phase in Cloudflare's logs,
// matched case-insensitively anywhere in the line.
var phaseLines = []struct{ words, phase string }{
	{"cloning repository", PhaseClone},
	{"installing project dependencies", PhaseInstall},
	{"installing dependencies", PhaseInstall},
	{"installing tools", PhaseInstall},
	{"executing user build command", PhaseBuild},
	{"executing user deploy command", PhaseDeploy},
}

// phaseOfLine names the phase a log line (plain text) starts, or "": the
// words at the start of the line, whatever their case, after any leading
// spaces or marks ("» ", "- "). Constant time per line.
func phaseOfLine[T string | []byte](plain T) string {
	head := lineHead(plain)
	for _, p := range phaseLines {
		if hasPrefixFold(head, p.words) {
			return p.phase
		}
	}
	return ""
}

// isDeployLine reports a line that shows a deploy happened: wrangler's
// "Uploaded <name> (1.2 sec)" and "Current Version ID: …".
func isDeployLine[T string | []byte](plain T) bool {
	head := lineHead(plain)
	return hasPrefixFold(head, "current version id") || hasPrefixFold(head, "uploaded ") && indexFoldASCII(head, " sec)") >= 0
}

// lineHead is the line from its first letter, at most 64 bytes of it.
func lineHead[T string | []byte](plain T) T {
	i := 0
	for i < len(plain) && i < 16 && !(plain[i]|0x20 >= 'a' && plain[i]|0x20 <= 'z') {
		i++
	}
	return plain[i:min(len(plain), i+64)]
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is lower case.
func hasPrefixFold[T string | []byte](s T, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// PhaseTracker follows a log as it grows: the phase starts and whether a
// deploy showed. Each line is looked at once, so a page costs the same
// whatever the log's length.
type PhaseTracker struct {
	Marks    []PhaseMark
	Deployed bool
	n        int
}

// Add takes the next line (plain text).
func (t *PhaseTracker) Add(at time.Time, plain []byte) {
	i := t.n
	t.n++
	if name := phaseOfLine(plain); name != "" {
		// A phase named twice (a retry prints it again) keeps its first start.
		for _, m := range t.Marks {
			if m.Name == name {
				return
			}
		}
		t.Marks = append(t.Marks, PhaseMark{Name: name, Line: i, At: at})
	}
	if !t.Deployed && isDeployLine(plain) {
		t.Deployed = true
	}
}

// Span is one phase of a timeline: its start and end (End is now for the
// phase under way, which is Current).
type Span struct {
	Name    string
	Start   time.Time
	End     time.Time
	Current bool
	Failed  bool // the phase the failed build stopped in
}

// Duration is how long the phase took (or has taken so far).
func (s Span) Duration() time.Duration { return max(s.End.Sub(s.Start), 0) }

// Timeline is the build's phases: queue and initialize from its timestamps
// (the events' initializing entry where the build lacks them), then the
// phases the log's lines started, or one "run" span where none matched.
func Timeline(b Build, events []PhaseEvent, marks []PhaseMark, now time.Time) []Span {
	if b.CreatedOn.IsZero() {
		return nil
	}
	initOn, runOn, stopOn := b.InitializingOn, b.RunningOn, b.StoppedOn
	for _, e := range events {
		if e.Type == "initializing" {
			if initOn == nil {
				initOn = e.StartedOn
			}
			if runOn == nil && e.EndedOn != nil {
				runOn = e.EndedOn
			}
		}
	}
	end := now
	if stopOn != nil {
		end = *stopOn
	}
	at := func(t *time.Time) time.Time {
		if t == nil {
			return end
		}
		return *t
	}
	spans := []Span{{Name: PhaseQueue, Start: b.CreatedOn, End: at(initOn)}}
	if initOn != nil {
		spans = append(spans, Span{Name: PhaseInitialize, Start: *initOn, End: at(runOn)})
	}
	if runOn != nil {
		start := *runOn
		named := false
		for i, m := range marks {
			if m.At.IsZero() || m.At.Before(start) {
				if i == 0 {
					// A phase logged before running began (the clone) starts with the run.
					m.At = start
				} else {
					continue
				}
			}
			if named {
				spans[len(spans)-1].End = m.At
			}
			spans = append(spans, Span{Name: m.Name, Start: m.At, End: end})
			named = true
		}
		if !named {
			spans = append(spans, Span{Name: PhaseRun, Start: start, End: end})
		}
	}
	last := &spans[len(spans)-1]
	if !b.Finished() {
		last.Current = true
	} else if b.Outcome == OutcomeFail || b.Outcome == OutcomeTerminated {
		last.Failed = true
	}
	return spans
}
