package model

import (
	"fmt"
	"strings"
	"testing"
)

func knownLog(node, wrangler string, fail bool) []string {
	l := []string{
		"Initializing build environment...",
		"Cloning repository...",
		"HEAD is now at abc1234 Fix things",
		"Detected the following tools from environment: npm@10.8.2, nodejs@" + node,
		"Restoring from build cache",
		"Installing project dependencies: npm clean-install",
		"added 576 packages in 9s",
		"Executing user build command: npm run build",
		"dist/assets/chunk-0001.js  12.40 kB",
	}
	if fail {
		return append(l, "✘ [ERROR] Could not resolve \"./routes\"", "Failed: error occurred while running build command")
	}
	return append(l, "Success: Build command completed", "Executing user deploy command: npx wrangler deploy",
		" ⛅️ wrangler "+wrangler, "Uploaded api (2.10 sec)", "Current Version ID: 1b2c3d4e")
}

// TestCompareKnownBuilds: the fields that differ, the tools read from the
// logs, the first error, and a log diff that ignores times and counts.
func TestCompareKnownBuilds(t *testing.T) {
	t.Parallel()
	good := Build{UUID: "a", Status: StatusStopped, Outcome: OutcomeSuccess, CreatedOn: *at(0), RunningOn: at(5), StoppedOn: at(60),
		Meta: TriggerMetadata{Branch: "main", CommitHash: "1111111aaaa", BuildCommand: "npm run build", DeployCommand: "npx wrangler deploy",
			EnvironmentVariables: map[string]EnvVar{"API_URL": {Value: "https://x"}, "TOKEN": {Value: "s3cret", IsSecret: true}}}}
	bad := good
	bad.UUID, bad.Outcome, bad.StoppedOn = "b", OutcomeFail, at(45)
	bad.Meta.CommitHash, bad.Meta.BuildCommand = "2222222bbbb", "npm run build:prod"
	bad.Meta.EnvironmentVariables = map[string]EnvVar{"API_URL": {Value: "https://y"}}
	badLog := knownLog("22.11.0", "", true)
	badLog[6] = "added 580 packages in 12s" // counts and times differ: masked, not a change
	c := Compare(BuildLog{Build: good, Lines: knownLog("22.9.0", "3.90.0", false)}, BuildLog{Build: bad, Lines: badLog}, *at(99))
	differs := map[string][2]string{}
	for _, f := range c.Fields {
		if !f.Same {
			differs[f.Name] = [2]string{f.A, f.B}
		}
	}
	want := map[string][2]string{
		"outcome":       {"succeeded", "failed"},
		"commit":        {"1111111", "2222222"},
		"build command": {"npm run build", "npm run build:prod"},
		"variables":     {"API_URL, TOKEN (secret)", "API_URL"},
		"node":          {"22.9.0", "22.11.0"},
		"wrangler":      {"3.90.0", "-"},
		"first error":   {"-", "✘ [ERROR] Could not resolve \"./routes\""},
		"duration":      {"1m00s", "45s"},
	}
	for k, v := range want {
		if differs[k] != v {
			t.Errorf("%s: %q, want %q", k, differs[k], v)
		}
	}
	for k := range differs {
		if _, ok := want[k]; !ok {
			t.Errorf("%s differs: %q", k, differs[k])
		}
	}
	if strings.Contains(fmt.Sprint(c.Fields), "s3cret") {
		t.Fatal("a variable's value is shown")
	}
	var ops []string
	for _, d := range c.LogDiff {
		ops = append(ops, string(d.Op)+d.Text)
	}
	got := strings.Join(ops, "\n")
	if !strings.Contains(got, "-Success: Build command completed") || !strings.Contains(got, "+Failed: error occurred while running build command") {
		t.Fatalf("diff:\n%s", got)
	}
	if strings.Contains(got, "-added 576") || strings.Contains(got, "+added 580") {
		t.Fatalf("counts were not masked:\n%s", got)
	}
	if !strings.Contains(got, "~") || c.Removed != 5 || c.Added != 2 {
		t.Fatalf("removed %d added %d:\n%s", c.Removed, c.Added, got)
	}
}

func TestMaskLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"added 576 packages in 9s":          "added # packages in #",
		"Uploaded api (2.10 sec)":           "Uploaded api (# sec)",
		"HEAD is now at abc1234 Fix things": "HEAD is now at # Fix things",
		"2026-11-27T10:00:00Z done":         "# done",
		"Executing user build command: npm": "Executing user build command: npm",
	} {
		if got := maskLine(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// BenchmarkCompareLogs diffs two 100,000-line logs that differ in a few
// places and in every line's numbers.
func BenchmarkCompareLogs(b *testing.B) {
	const n = 100_000
	la, lb := make([]string, n), make([]string, n)
	for i := range la {
		la[i] = fmt.Sprintf("[%d] compiled src/module_%d.ts in %dms", i, i%500, i%97)
		lb[i] = fmt.Sprintf("[%d] compiled src/module_%d.ts in %dms", i, i%500, i%89)
	}
	for i := 0; i < n; i += 10_000 {
		lb[i] = "warning: something new"
	}
	ba, bb := BuildLog{Lines: la}, BuildLog{Lines: lb}
	var c Comparison
	for b.Loop() {
		c = Compare(ba, bb, *at(0))
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/compare")
	b.ReportMetric(float64(c.Added), "lines-added")
}
