package model

import (
	"errors"
	"strings"
	"testing"
)

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
		{"", "main", "Deploy"}, {"", "feature/x", "Preview"}, {"Deploy", "feature/x", "Deploy"}, {"Preview", "", "Preview"},
	} {
		got, err := PickTrigger(trs, tt.name, tt.branch)
		if err != nil || got.TriggerName != tt.want {
			t.Errorf("%q %q: %q %v, want %q", tt.name, tt.branch, got.TriggerName, err, tt.want)
		}
	}
	if _, err := PickTrigger(trs, "Nope", "main"); err == nil {
		t.Error("an unknown trigger name was taken")
	}
	// No trigger takes the branch, or a commit alone with two triggers:
	// refused with each trigger's filters, never the first by default.
	for _, tt := range []struct {
		trs    []Trigger
		branch string
		want   string
	}{{[]Trigger{prod}, "feature/x", `no trigger's branch filters take "feature/x" ("Deploy" takes main)`},
		{trs, "", `"Deploy" takes main; "Preview" takes * except main`}} {
		_, err := PickTrigger(tt.trs, "", tt.branch)
		var none *NoTriggerError
		if !errors.As(err, &none) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.branch, err, tt.want)
		}
	}
	if got, err := PickTrigger([]Trigger{prod}, "", ""); err != nil || got.TriggerName != "Deploy" {
		t.Errorf("a commit on a Worker of one trigger: %v", err)
	}
	if _, err := PickTrigger(nil, "", "main"); err == nil {
		t.Error("no trigger at all was taken")
	}
}
