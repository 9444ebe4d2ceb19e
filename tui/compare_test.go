package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

// m marks a build, d on another opens what differs; d with nothing marked
// compares with the last success of the Worker and branch; esc closes.
func TestMarkAndCompare(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sim.Options{Workers: 2, PushEvery: -1, History: 0}, Options{})
	common := []string{"Cloning repository...", "Detected the following tools from environment: npm@10.8.2, nodejs@22.9.0",
		"Installing project dependencies: npm ci", "added 12 packages in 3s", "Executing user build command: npm run build"}
	h.sim.Inject(sim.Spec{Worker: "api-gateway", Branch: "main", Outcome: "success", CommitMessage: "Works", QueueFor: time.Second, LineEvery: time.Second,
		Lines: append(append([]string{}, common...), "built in 4s", "Uploaded api-gateway (1.10 sec)")})
	h.advance(20 * time.Second)
	h.sim.Inject(sim.Spec{Worker: "api-gateway", Branch: "main", Outcome: "fail", CommitMessage: "Breaks", QueueFor: time.Second, LineEvery: time.Second,
		Lines: append(append([]string{}, common[:4]...), "npm ERR! code ERESOLVE", "Failed: error occurred while installing tools or dependencies")})
	h.size(110, 36)
	h.advance(h.m.opts.PollIdle)
	h.advance(20 * time.Second)
	h.keys("g") // the newest: the failure
	h.keys("d") // nothing marked: the last success of api-gateway on main
	h.advance(time.Second)
	v := h.view()
	for _, want := range []string{"Compare", "* outcome          succeeded", "failed", "* first error", "npm ERR! code ERESOLVE", "- Executing user build command", "+ Failed: error occurred"} {
		if !strings.Contains(v, want) {
			t.Fatalf("compare lacks %q:\n%s", want, v)
		}
	}
	tuitest.CheckFrame(t, v, 110, 36)
	tuitest.Golden(t, "compare-110x36", v)
	h.keys("esc")
	if strings.Contains(h.view(), "* outcome") {
		t.Fatal("esc did not close the comparison")
	}
	// Mark the failure, move to the success, compare: the same two builds.
	h.keys("m")
	if !strings.Contains(h.view(), "marked ") {
		t.Fatalf("m says nothing:\n%s", h.view())
	}
	h.keys("j", "d")
	h.advance(time.Second)
	if v := h.view(); !strings.Contains(v, "* outcome          succeeded") {
		t.Fatalf("marked compare:\n%s", v)
	}
}
