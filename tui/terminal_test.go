package tui

import "testing"

// TestTerminalBytes pins the exact bytes of every sequence cfbuilds writes
// itself, outside and inside tmux.
func TestTerminalBytes(t *testing.T) {
	t.Parallel()
	out, tmux := Terminal{}, Terminal{Tmux: true}
	tests := []struct{ name, got, want string }{
		{"bell", out.Bell(), "\a"},
		{"bell in tmux", tmux.Bell(), "\a"},
		{"osc 9", out.OSC9("api-gateway: succeeded"), "\x1b]9;api-gateway: succeeded\x07"},
		{"osc 9 in tmux", tmux.OSC9("done"), "\x1bPtmux;\x1b\x1b]9;done\x07\x1b\\"},
		{"osc 777", out.OSC777("cfbuilds", "api-gateway; failed"), "\x1b]777;notify;cfbuilds;api-gateway, failed\x07"},
		{"osc 777 in tmux", tmux.OSC777("cfbuilds", "x"), "\x1bPtmux;\x1b\x1b]777;notify;cfbuilds;x\x07\x1b\\"},
		{"osc 777 hostile", out.OSC777("t", "a\x1b]0;x\x07b"), "\x1b]777;notify;t;ab\x07"},
		{"osc 52", out.OSC52("build-uuid"), "\x1b]52;c;YnVpbGQtdXVpZA==\x07"},
		{"osc 52 in tmux: plain, then passed through", tmux.OSC52("build-uuid"), "\x1b]52;c;YnVpbGQtdXVpZA==\x07\x1bPtmux;\x1b\x1b]52;c;YnVpbGQtdXVpZA==\x07\x1b\\"},
		{"osc 52 in screen", Terminal{Screen: true}.OSC52("x"), "\x1bP\x1b]52;c;eA==\x07\x1b\\"},
		{"osc 8", Terminal{Hyperlinks: true}.Link("https://dash.cloudflare.com/a", "open"), "\x1b]8;;https://dash.cloudflare.com/a\x1b\\open\x1b]8;;\x1b\\"},
		{"osc 8 in tmux", Terminal{Hyperlinks: true, Tmux: true}.Link("https://x.dev/", "x"), "\x1b]8;;https://x.dev/\x1b\\x\x1b]8;;\x1b\\"},
		{"no osc 8 support", out.Link("https://x.dev/", "x"), "x"},
		{"osc 8 refuses javascript", Terminal{Hyperlinks: true}.Link("javascript:alert(1)", "x"), "x"},
		{"osc 8 refuses escapes", Terminal{Hyperlinks: true}.Link("https://x.dev/\x1b]0;t\x07", "x"), "x"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if n := len(out.OSC52(string(make([]byte, 300_000)))); n > maxCopy*4/3+20 {
		t.Errorf("OSC 52 not capped: %d bytes", n)
	}
}

func TestDetectTerminal(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	if d := DetectTerminal(env("TMUX", "/tmp/tmux-0/default,1,0"), "auto"); !d.Tmux || d.Hyperlinks {
		t.Errorf("tmux: %+v", d)
	}
	if d := DetectTerminal(env("TERM_PROGRAM", "iTerm.app", "SSH_TTY", "/dev/pts/1"), "auto"); !d.Hyperlinks || !d.SSH {
		t.Errorf("iTerm over SSH: %+v", d)
	}
	if d := DetectTerminal(env("VTE_VERSION", "7600"), "off"); d.Hyperlinks {
		t.Errorf("off: %+v", d)
	}
	if d := DetectTerminal(env("TERM", "screen-256color"), "on"); !d.Screen || !d.Hyperlinks {
		t.Errorf("screen: %+v", d)
	}
}
