package model

import "testing"

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		p, s string
		ok   bool
	}{{"*", "feature/x", true}, {"main", "main", true}, {"main", "mainx", false}, {"release/*", "release/2026.11", true},
		{"release/*", "hotfix/1", false}, {"*-preview", "a/b-preview", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}} {
		if got := globMatch(tt.p, tt.s); got != tt.ok {
			t.Errorf("%q ~ %q: %v", tt.p, tt.s, got)
		}
	}
}

func TestPickTrigger(t *testing.T) {
	t.Parallel()
	prod := Trigger{TriggerName: "Deploy", BranchIncludes: []string{"main"}}
	preview := Trigger{TriggerName: "Preview", BranchIncludes: []string{"*"}, BranchExcludes: []string{"main"}}
	trs := []Trigger{prod, preview}
	for _, tt := range []struct{ name, branch, want string }{
		{"", "main", "Deploy"}, {"", "feature/x", "Preview"}, {"Deploy", "feature/x", "Deploy"}, {"", "", "Deploy"},
	} {
		got, err := PickTrigger(trs, tt.name, tt.branch)
		if err != nil || got.TriggerName != tt.want {
			t.Errorf("%q %q: %q %v, want %q", tt.name, tt.branch, got.TriggerName, err, tt.want)
		}
	}
	if _, err := PickTrigger(trs, "Nope", "main"); err == nil {
		t.Error("an unknown trigger name was taken")
	}
	if _, err := PickTrigger(nil, "", "main"); err == nil {
		t.Error("no trigger at all was taken")
	}
}
