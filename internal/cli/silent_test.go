package cli

import (
	"bytes"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cfbuilds/cfbuilds/internal/ptytest"
)

// A terminal that answers no queries (#35.11): the dashboard asks its
// background once (not lipgloss's 5-s question from bubbletea's init,
// before main and any signal handler), and a signal at any point, during
// that question or after the first frame, leaves the terminal as it was.

// silentPTY is a pseudo-terminal whose terminal side answers nothing and
// keeps what the program wrote.
type silentPTY struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
}

func openSilentPTY(t *testing.T) *silentPTY {
	t.Helper()
	m, s := ptytest.Open(t)
	_ = unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100})
	p := &silentPTY{master: m, slave: s}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *silentPTY) said() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.out.Bytes())
}

// waitUntil polls what the program wrote until it holds want (the bound
// only ends a test that would hang; nothing is timed).
func (p *silentPTY) waitUntil(t *testing.T, want string) bool {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if bytes.Contains(p.said(), []byte(want)) {
			return true
		}
	}
	return false
}

// cooked reports whether the terminal echoes and reads lines, as a shell
// leaves it.
func (p *silentPTY) cooked(t *testing.T) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0 && tio.Lflag&unix.ICANON != 0
}

// runOnSilentTerminal starts the dashboard on the demo account with the
// pseudo-terminal as its controlling terminal (as a shell starts it).
func runOnSilentTerminal(t *testing.T, p *silentPTY) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(buildBinary(t), "--demo")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	dir := t.TempDir()
	cmd.Env = []string{"TERM=xterm-256color", "HOME=" + dir, "XDG_STATE_HOME=" + dir, "XDG_CACHE_HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd
}

func TestASilentTerminal(t *testing.T) {
	t.Parallel()
	t.Run("asked once, then the first frame", func(t *testing.T) {
		t.Parallel()
		p := openSilentPTY(t)
		cmd := runOnSilentTerminal(t, p)
		if !p.waitUntil(t, "Builds") {
			t.Fatalf("no first frame:\n%q", p.said())
		}
		if n := bytes.Count(p.said(), []byte("\x1b]11;?")); n != 1 {
			t.Fatalf("the background was asked %d times before the first frame, want once (ours)", n)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if !p.cooked(t) {
			t.Fatal("the terminal was left raw")
		}
	})
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		for _, when := range []string{"while it asks", "after the first frame"} {
			t.Run(sig.String()+" "+when, func(t *testing.T) {
				t.Parallel()
				p := openSilentPTY(t)
				cmd := runOnSilentTerminal(t, p)
				want := "\x1b]11;?" // the terminal is raw while the question waits
				if when != "while it asks" {
					want = "Builds"
				}
				if !p.waitUntil(t, want) {
					t.Fatalf("never saw %q:\n%q", want, p.said())
				}
				_ = cmd.Process.Signal(sig)
				_ = cmd.Wait()
				if !p.cooked(t) {
					t.Fatalf("%s %s left the terminal raw", sig, when)
				}
			})
		}
	}
}
