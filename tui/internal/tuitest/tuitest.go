// Package tuitest holds what the dashboard's tests share: the fixed clock,
// renderers without and with colour, golden files, and frame checks. Only
// tests import it.
package tuitest

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	// x/exp/golden defines the -update flag; imported here so every test
	// binary that uses these helpers has it, defined once.
	_ "github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/cfbuilds/cfbuilds/model"
)

// T0 is the fixed start of every simulated test clock.
var T0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// Updating reports -update: the flag is defined by x/exp/golden (imported
// with teatest) or by the test binary; every golden file shares it.
func Updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// PlainRenderer renders without colour, as the golden files are.
func PlainRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// ColourRenderer renders in true colour on a dark background.
func ColourRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	return r
}

// Golden compares got with testdata/<name>.golden, or writes it with -update.
func Golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if Updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update if intended)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// CheckFrame asserts the frame has h lines none wider than w.
func CheckFrame(t testing.TB, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Fatalf("%dx%d: line %d is %d wide: %q", w, h, i, lw, l)
		}
	}
}

// Key is the message a terminal sends for a key by its name ("enter",
// "ctrl+s", "j").
func Key(k string) tea.KeyMsg {
	special := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"ctrl+c": tea.KeyCtrlC, "ctrl+s": tea.KeyCtrlS, "ctrl+u": tea.KeyCtrlU, "ctrl+d": tea.KeyCtrlD,
		"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"backspace": tea.KeyBackspace,
	}
	if t, ok := special[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// LogLines are realistic log lines: colour, wide characters, the odd long
// line, the odd error.
func LogLines(n, from int) []model.LogLine {
	out := make([]model.LogLine, n)
	for i := range out {
		k := from + i
		var text string
		switch k % 50 {
		case 7:
			text = fmt.Sprintf("npm ERR! code ELIFECYCLE step %d", k)
		case 13:
			text = fmt.Sprintf("long %d %s", k, strings.Repeat("abcdefghij ", 40))
		case 21:
			text = fmt.Sprintf("\x1b[32m✓\x1b[0m built 日本語 module %d", k)
		default:
			text = fmt.Sprintf("\x1b[2mdist/\x1b[22m\x1b[36massets/chunk-%07d.js\x1b[39m  12.%02d kB", k, k%100)
		}
		out[i] = model.LogLine{Time: T0.Add(time.Duration(k) * time.Millisecond), Text: text}
	}
	return out
}

// Builds are n fixed builds, newest first, across three Workers: the first
// running, then one of each outcome in turn.
func Builds(n int) []model.Build {
	workers := []string{"api-gateway", "auth-service", "docs"}
	outcomes := []model.Outcome{model.OutcomeSuccess, model.OutcomeFail, model.OutcomeCancelled, model.OutcomeSkipped}
	out := make([]model.Build, n)
	for i := range out {
		created := T0.Add(-time.Duration(i) * 7 * time.Minute)
		init, run := created.Add(2*time.Second), created.Add(5*time.Second)
		b := model.Build{
			UUID:   fmt.Sprintf("%08d-0000-4000-8000-%012d", i, i),
			Status: model.StatusStopped, CreatedOn: created, InitializingOn: &init, RunningOn: &run,
			WorkerName: workers[i%len(workers)], WorkerTag: fmt.Sprintf("%032d", i%len(workers)),
			Meta: model.TriggerMetadata{Source: "push", Branch: []string{"main", "feature/login"}[i%2],
				CommitHash: fmt.Sprintf("%07x%033d", 0xabcdef+i*0x1a2b3c, i), CommitMessage: fmt.Sprintf("Change number %d\n\nWith a body.", i),
				Author: "ada@acme.dev", BuildCommand: "npm run build", DeployCommand: "npx wrangler deploy",
				RepoName: "acme/" + workers[i%len(workers)], ProviderType: "github"},
		}
		if i == 0 {
			b.Status = model.StatusRunning
		} else {
			stop := run.Add(time.Duration(30+i) * time.Second)
			b.StoppedOn, b.Outcome = &stop, outcomes[i%len(outcomes)]
		}
		out[i] = b
	}
	return out
}
