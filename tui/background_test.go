package tui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/sys/unix"

	"github.com/cfbuilds/cfbuilds/internal/ptytest"
)

// openPTY opens a pseudo-terminal: the master is the terminal's side, the
// slave the program's.
func openPTY(t *testing.T) (master, slave *os.File) { return ptytest.Open(t) }

// terminalSays writes what the terminal (or the person at it) sends once
// the program has asked its questions: after the terminal is raw.
func terminalSays(master *os.File, what string) {
	go func() {
		var seen []byte
		buf := make([]byte, 64)
		for !strings.Contains(string(seen), "\x1b[6n") {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			seen = append(seen, buf[:n]...)
		}
		_, _ = master.Write([]byte(what))
	}()
}

// TestBackgroundFromASilentTerminal (#29.13): a terminal that answers
// neither query costs one short wait, the keys typed meanwhile (q, j, an
// arrow, ctrl+c) come back as keys, and the terminal is left as it was.
func TestBackgroundFromASilentTerminal(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	// The queries go unanswered; the person types while the program waits
	// (after the terminal is raw, as a person's keys come).
	terminalSays(master, "qj\x1b[B\x03")
	bg := DetectBackground(context.Background(), slave, slave, "xterm-256color", 300*time.Millisecond)
	if bg.Known || !bg.Dark || bg.Err != nil {
		t.Fatalf("silent terminal: %+v", bg)
	}
	want := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("q")}, {Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyDown}, {Type: tea.KeyCtrlC}}
	if len(bg.Typed) != len(want) {
		t.Fatalf("typed %v, want %v", bg.Typed, want)
	}
	for i := range want {
		if bg.Typed[i].String() != want[i].String() {
			t.Fatalf("typed %v, want %v", bg.Typed, want)
		}
	}
	after, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag {
		t.Fatal("the terminal was left raw")
	}
}

// TestBackgroundAnswered: a light background is read from the answer, and
// the wait ends with the cursor report, not at its limit; a signal (the
// context) ends a wait that would be long.
func TestBackgroundAnswered(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	terminalSays(master, "\x1b]11;rgb:ffff/fafa/f0f0\x1b\\\x1b[12;1R")
	bg := DetectBackground(context.Background(), slave, slave, "xterm-256color", time.Hour)
	if !bg.Known || bg.Dark || len(bg.Typed) != 0 {
		t.Fatalf("light terminal: %+v", bg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	master2, slave2 := openPTY(t)
	go func() { _, _ = master2.Read(make([]byte, 64)) }()
	if bg := DetectBackground(ctx, slave2, slave2, "xterm", time.Hour); bg.Known {
		t.Fatalf("a cancelled wait: %+v", bg)
	}
	for _, name := range []string{"tmux-256color", "screen", "dumb"} {
		if bg := DetectBackground(context.Background(), slave, slave, name, time.Hour); bg.Err == nil {
			t.Fatalf("%s was asked", name)
		}
	}
}
