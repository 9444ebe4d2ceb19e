package model

import "testing"

func TestFailureOf(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		lines []string
		phase string
		first string
		hint  bool
	}{
		{"wrangler error in the build", []string{"Executing user build command: npm run build", "\x1b[31m✘ [ERROR]\x1b[0m Could not resolve \"./routes/missing\"",
			"    at build (src/index.ts:4:21)", "npm ERR! code ELIFECYCLE", "Failed: error occurred while running build command"},
			"build command", `✘ [ERROR] Could not resolve "./routes/missing"`, false},
		{"install", []string{"Installing project dependencies: npm clean-install", "npm ERR! code E404", "Failed: error occurred while installing tools or dependencies"},
			"install", "npm ERR! code E404", false},
		{"token rolled", []string{"Failed: The build token selected for this build has been deleted or rolled. Choose another."},
			"", "Failed: The build token selected for this build has been deleted or rolled. Choose another.", true},
		{"timeout", []string{"Still building...", "Build exceeded the time limit of 20 minutes and was terminated"}, "", "", true},
		{"a mention is not an error", []string{"found 0 errors", "    at Object.<anonymous>", "Success: Build command completed"}, "", "", false},
	} {
		f := FailureOf(func(i int) string { return Sanitize(tt.lines[i]).Plain() }, len(tt.lines))
		if f.Phase != tt.phase || f.Text != tt.first || (f.Hint != "") != tt.hint {
			t.Errorf("%s: %+v", tt.name, f)
		}
	}
}
