package model

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestSanitize(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100_000)
	tests := []struct {
		name, in, want string
		width          int
	}{
		{"plain", "hello", "hello", 5},
		{"sgr kept", "\x1b[31mred\x1b[0m ok", "\x1b[31mred\x1b[m ok", 6},
		{"sgr 8-bit utf8 csi dropped", "a\u009b31mb", "a31mb", 5},
		{"osc52 clipboard", "x\x1b]52;c;ZXZpbA==\x07y", "xy", 2},
		{"osc52 st", "x\x1b]52;c;ZXZpbA==\x1b\\y", "xy", 2},
		{"osc0 title", "\x1b]0;pwned\x07build", "build", 5},
		{"osc8 link", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click", 5},
		{"clear screen", "\x1b[2Jafter", "after", 5},
		{"cursor moves", "a\x1b[10;10Hb\x1b[3Ac\x1b[?25l", "abc", 3},
		{"scroll region", "\x1b[1;5ra", "a", 1},
		{"dcs", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab", 2},
		{"apc pm sos", "a\x1b_x\x1b\\b\x1b^y\x1b\\c\x1bXz\x1b\\d", "abcd", 4},
		{"raw 8-bit csi", "a\x9b2Jb", "a\uFFFD2Jb", 5},
		{"lone esc at end", "abc\x1b", "abc", 3},
		{"split sequence head", "abc\x1b[3", "abc", 3},
		{"split sequence tail", "1mred", "1mred", 5},
		{"bel backspace", "a\x07b\x08c", "abc", 3},
		{"cr progress", "10%\r50%\r100%", "100%", 4},
		{"cr shorter overwrite", "abcdef\rxy", "xycdef", 6},
		{"trailing cr", "done\r", "done", 4},
		{"tab", "a\tb", "a       b", 9},
		{"invalid utf8", "a\xffb", "a\uFFFDb", 3},
		{"cjk", "日本", "日本", 4},
		{"emoji", "ok 👍", "ok 👍", 5},
		{"combining", "e\u0301", "e\u0301", 1},
		{"rtl", "שלום", "שלום", 4},
		{"bidi override", "a\u202eb", "ab", 2},
		{"long", long, long, 100_000},
		{"colour across cr", "\x1b[32mgreen\r\x1b[0mG", "G\x1b[32mreen\x1b[m", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			if got.Text != tt.want {
				t.Errorf("Sanitize(%q).Text = %q, want %q", tt.in, got.Text, tt.want)
			}
			if got.Width != tt.width {
				t.Errorf("Width = %d, want %d", got.Width, tt.width)
			}
			checkSafe(t, tt.in, got)
		})
	}
}

// checkSafe asserts the sanitizer's contract: valid UTF-8, no ESC outside an
// SGR sequence, no other control, and the width it reports.
func checkSafe(t *testing.T, in string, got Safe) {
	t.Helper()
	if !utf8.ValidString(got.Text) {
		t.Fatalf("invalid UTF-8 out of %q: %q", in, got.Text)
	}
	s := got.Text
	for len(s) > 0 {
		i := strings.IndexByte(s, 0x1b)
		if i < 0 {
			break
		}
		rest := s[i:]
		j := 2
		if len(rest) < 2 || rest[1] != '[' {
			t.Fatalf("ESC not starting CSI in %q (from %q)", got.Text, in)
		}
		for j < len(rest) && (rest[j] >= '0' && rest[j] <= '9' || rest[j] == ';' || rest[j] == ':') {
			j++
		}
		if j >= len(rest) || rest[j] != 'm' {
			t.Fatalf("non-SGR sequence in %q (from %q)", got.Text, in)
		}
		s = rest[j+1:]
	}
	for _, r := range ansi.Strip(got.Text) {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			t.Fatalf("control %U left in %q (from %q)", r, got.Text, in)
		}
	}
	if w := ansi.StringWidth(got.Text); w != got.Width {
		t.Fatalf("width %d reported, %d measured, for %q (from %q)", got.Width, w, got.Text, in)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31mred\x1b[0m", "\x1b]52;c;eA==\x07", "a\rb", "日本\t", "\x1b[", "e\u0301\r\u0301", "\x9b1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSafe(t, in, Sanitize(in))
	})
}

func TestSanitizeInline(t *testing.T) {
	t.Parallel()
	got := SanitizeInline("fix\n\x1b[31mbug\x1b]0;t\x07")
	if got != "fix bug" {
		t.Fatalf("got %q", got)
	}
}

// FuzzWidth: Width is ansi.StringWidth, faster, on any text (escapes,
// controls, broken UTF-8 included).
func FuzzWidth(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31mred\x1b[0m ok", "a\u0301b", "0\u06010", "日本 語", "\x1b]0;t\x07x", "1\ufe0f\u20e3", "\xea0\u1ae2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Fatalf("Width %d, ansi.StringWidth %d, for %q", got, want, s)
		}
	})
}
