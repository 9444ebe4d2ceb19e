package model

import "strings"

// Failure is why a build failed, read from its log: the phase that failed,
// the first error line, and what to do about a known cause.
type Failure struct {
	Phase string // "install", "build command", "deploy command", or ""
	Line  int    // index of the first error line, -1 none
	Text  string // that line, plain
	Hint  string // what to do, for a known cause
}

// isErrorLine reports a line that states an error (not a stack frame or a
// mention): wrangler's ✘ [ERROR], npm ERR!, "error:"/"Error:", or Cloudflare's
// "Failed: error occurred while ...".
func isErrorLine(plain string) bool {
	t := strings.TrimSpace(plain)
	switch {
	case strings.HasPrefix(t, "at "), strings.HasPrefix(t, "│"):
		return false // a stack frame, a source excerpt
	case strings.Contains(t, "✘ [ERROR]"), strings.HasPrefix(t, "npm ERR!"),
		strings.HasPrefix(t, "error:"), strings.HasPrefix(t, "Error:"), strings.Contains(t, "Error: "),
		strings.HasPrefix(t, "Failed: "):
		return true
	}
	return false
}

// FailureOf reads a failed build's log (plain lines) for its Failure.
func FailureOf(lines func(i int) string, n int) Failure {
	f := Failure{Line: -1}
	for i := 0; i < n; i++ {
		t := strings.TrimSpace(lines(i))
		if f.Line < 0 && isErrorLine(t) {
			f.Line, f.Text = i, t
		}
		switch {
		case strings.Contains(t, "error occurred while installing"):
			f.Phase = "install"
		case strings.Contains(t, "error occurred while running build command"):
			f.Phase = "build command"
		case strings.Contains(t, "error occurred while running deploy command"):
			f.Phase = "deploy command"
		case strings.Contains(t, "build token selected for this build has been deleted or rolled"):
			f.Hint = "the build token was deleted or rolled: choose a valid one in the Worker's build settings (Settings › Builds › API token)"
		case strings.Contains(t, "exceeded the time limit of 20 minutes"), strings.Contains(t, "was terminated"):
			f.Hint = "builds stop at 20 minutes: make the build faster or split it"
		case strings.Contains(t, "wrangler deploy") && strings.Contains(t, "Pages project"):
			f.Hint = "this is a Pages project: its deploy command is wrangler pages deploy, not wrangler deploy"
		}
	}
	return f
}
