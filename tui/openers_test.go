package tui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
	"github.com/cfbuilds/cfbuilds/tui/internal/tuitest"
)

func TestNotifyWhenWatchedBuildFinishes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		notify string
		by     map[string][]string
		want   string
	}{
		{"default: bell and OSC 9", "", nil, "\a\x1b]9;cfbuilds: api-gateway feature/x: succeeded\x07"},
		{"per outcome", "selected", map[string][]string{"success": {"osc777"}, "*": {"bell"}}, "\x1b]777;notify;cfbuilds;api-gateway feature/x: succeeded\x07"},
		{"none", "none", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			h := newHarness(t, quiet(), Options{Notify: tc.notify, NotifyBy: tc.by, Out: &out})
			h.size(120, 40)
			selectActive(t, h)
			h.advance(5 * time.Minute)
			if got := out.String(); got != tc.want {
				t.Fatalf("wrote %q, want %q", got, tc.want)
			}
			if tc.want != "" && !strings.Contains(h.view(), "succeeded") {
				t.Fatal("no status line")
			}
		})
	}
}

func TestCopyAndOpen(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	var opened []string
	h := newHarness(t, quiet(), Options{Out: &out, Open: func(u string) error { opened = append(opened, u); return nil }})
	h.size(120, 40)
	h.keys("y")
	b, _ := h.m.shownBuild()
	if want := h.m.term.OSC52(b.UUID); out.String() != want {
		t.Fatalf("y wrote %q, want %q", out.String(), want)
	}
	out.Reset()
	h.keys("o")
	if len(opened) != 1 || !strings.HasPrefix(opened[0], "https://dash.cloudflare.com/") || out.Len() != 0 {
		t.Fatalf("o locally: opened %v, wrote %q", opened, out.String())
	}
	h.m.term.SSH = true
	h.keys("o")
	if len(opened) != 1 || !strings.Contains(out.String(), "\x1b]52;c;") || !strings.Contains(h.m.flash, "SSH") {
		t.Fatalf("o over SSH: opened %v, wrote %q, flash %q", opened, out.String(), h.m.flash)
	}
}

func TestDetailLinks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, quiet(), Options{Terminal: Terminal{Hyperlinks: true}})
	h.size(200, 100) // tall enough for the whole detail
	b, _ := h.m.shownBuild()
	url := "https://dash.cloudflare.com/" + h.sim.AccountID()
	if !strings.Contains(h.view(), "\x1b]8;;"+url) {
		t.Fatalf("no OSC 8 link to the dashboard for %s:\n%q", b.UUID, h.view())
	}
	tuitest.CheckFrame(t, h.view(), 200, 100)
	h2 := newHarness(t, quiet(), Options{})
	h2.size(200, 100)
	if strings.Contains(h2.view(), "\x1b]8;;") || !strings.Contains(h2.view(), url) {
		t.Fatal("without OSC 8 support the URL must be plain text")
	}
}

// TestSaveLog: ctrl+s writes every line, sanitized, with RFC 3339 times, to
// <worker>-<build>.log; from the store when complete, re-read when not.
func TestSaveLog(t *testing.T) {
	t.Parallel()
	for _, complete := range []bool{true, false} {
		dir := t.TempDir()
		h := newHarness(t, quiet(), Options{SaveDir: dir})
		h.size(120, 40)
		lines := []string{"one \x1b]0;title\x07", "\x1b[32mtwo\x1b[0m", "three"}
		every := time.Second
		if !complete {
			every = 20 * time.Second // still running when saved
		}
		id := h.sim.Inject(sim.Spec{Worker: "api-gateway", Lines: lines, LineEvery: every, QueueFor: time.Second})
		h.advance(h.m.opts.PollIdle + 10*time.Second)
		h.keys("g", "enter")
		h.advance(5 * time.Second)
		if h.m.tail.Done != complete {
			t.Fatalf("complete=%v but the tail says %v", complete, h.m.tail.Done)
		}
		h.keys("ctrl+s")
		path := filepath.Join(dir, "api-gateway-"+id+".log")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("complete=%v: %v", complete, err)
		}
		want, _ := h.sim.LogText(id)
		got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(got) != len(want) {
			t.Fatalf("complete=%v: saved %d lines, the log has %d", complete, len(got), len(want))
		}
		for i, line := range got {
			ts, text, _ := strings.Cut(line, " ")
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				t.Fatalf("line %d: time %q: %v", i, ts, err)
			}
			if strings.ContainsRune(text, 0x1b) || text != model.Sanitize(want[i]).Plain() {
				t.Fatalf("line %d: %q, want %q", i, text, model.Sanitize(want[i]).Plain())
			}
		}
		if !strings.Contains(h.m.flash, path) {
			t.Fatalf("flash %q does not say where", h.m.flash)
		}
	}
}

// TestSaveNeverOverwrites: a second save gets a suffix, a symlink at the
// name is not followed, and the message names the absolute path.
func TestSaveNeverOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, quiet(), Options{SaveDir: dir})
	h.size(140, 40)
	id := h.sim.Inject(sim.Spec{Worker: "api-gateway", Lines: []string{"one"}, LineEvery: time.Second, QueueFor: time.Second})
	h.advance(h.m.opts.PollIdle + 10*time.Second)
	h.keys("g", "enter")
	h.advance(5 * time.Second)
	first := filepath.Join(dir, "api-gateway-"+id+".log")
	if err := os.Symlink(victim, first); err != nil {
		t.Fatal(err)
	}
	h.keys("ctrl+s")
	h.keys("ctrl+s")
	if b, _ := os.ReadFile(victim); string(b) != "keep me" {
		t.Fatalf("the save followed a symlink: victim holds %q", b)
	}
	for _, p := range []string{"-1.log", "-2.log"} {
		if _, err := os.Stat(strings.TrimSuffix(first, ".log") + p); err != nil {
			t.Errorf("no %s: %v", p, err)
		}
	}
	if !strings.Contains(h.m.flash, strings.TrimSuffix(first, ".log")+"-2.log") || !filepath.IsAbs(strings.Fields(h.m.flash)[4]) {
		t.Errorf("flash %q does not name the absolute path", h.m.flash)
	}
}

// TestOpenWithoutABrowser (#29.20): o where no browser can be started says
// so, shows the URL and the key that copies it, not the opener's error.
func TestOpenWithoutABrowser(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	h := newHarness(t, quiet(), Options{Out: &out, Open: func(string) error { return errors.New(`exec: "xdg-open": executable file not found in $PATH`) }})
	h.size(200, 40)
	h.keys("o")
	if f := h.m.flash; strings.Contains(f, "xdg-open") || !strings.Contains(f, "no browser here (Y copies the link): https://dash.cloudflare.com/") {
		t.Fatalf("flash %q", f)
	}
	h.keys("Y")
	if !strings.Contains(out.String(), "\x1b]52;c;") {
		t.Fatalf("Y wrote %q", out.String())
	}
}
