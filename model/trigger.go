package model

import (
	"fmt"
	"strings"
)

// PickTrigger is the trigger named, else the one whose branch filters take
// the branch (excludes first, then includes, as Cloudflare applies them).
// It never falls back to another trigger: when no trigger takes the branch
// (or only a commit is given and the Worker has several), it refuses with
// ErrNoTrigger naming each trigger and its filters, so a feature branch
// never goes out with the production trigger by default.
func PickTrigger(trs []Trigger, name, branch string) (Trigger, error) {
	if len(trs) == 0 {
		return Trigger{}, fmt.Errorf("the Worker has no build trigger (connect a repository in its settings)")
	}
	var names []string
	for _, t := range trs {
		names = append(names, t.TriggerName)
		if name != "" && t.TriggerName == name {
			return t, nil
		}
	}
	if name != "" {
		return Trigger{}, fmt.Errorf("no trigger named %q (it has: %s)", SanitizeInline(name), SanitizeInline(strings.Join(names, ", ")))
	}
	if branch == "" {
		if len(trs) == 1 {
			return trs[0], nil
		}
		return Trigger{}, &NoTriggerError{Triggers: trs}
	}
	for _, t := range trs {
		if BranchMatches(t, branch) {
			return t, nil
		}
	}
	return Trigger{}, &NoTriggerError{Branch: branch, Triggers: trs}
}

// NoTriggerError is PickTrigger's refusal: no trigger takes the branch, or
// a commit alone cannot say which of several triggers to use.
type NoTriggerError struct {
	Branch   string // "" when only a commit was given
	Triggers []Trigger
}

func (e *NoTriggerError) Error() string {
	var b strings.Builder
	if e.Branch != "" {
		fmt.Fprintf(&b, "no trigger's branch filters take %q", SanitizeInline(e.Branch))
	} else {
		b.WriteString("a commit alone does not say which trigger to build with")
	}
	b.WriteString(" (")
	for i, t := range e.Triggers {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%q %s", SanitizeInline(t.TriggerName), BranchFilters(t))
	}
	b.WriteString("): choose the trigger by its name")
	return b.String()
}

// BranchFilters says which branches a trigger takes, in words.
func BranchFilters(t Trigger) string {
	s := "takes every branch"
	if len(t.BranchIncludes) > 0 {
		s = "takes " + SanitizeInline(strings.Join(t.BranchIncludes, ", "))
	}
	if len(t.BranchExcludes) > 0 {
		s += " except " + SanitizeInline(strings.Join(t.BranchExcludes, ", "))
	}
	return s
}

// BranchMatches applies a trigger's branch filters: excluded first, then
// included; no include list takes every branch.
func BranchMatches(t Trigger, branch string) bool {
	match := func(patterns []string) bool {
		for _, p := range patterns {
			if globMatch(p, branch) {
				return true
			}
		}
		return false
	}
	if match(t.BranchExcludes) {
		return false
	}
	return len(t.BranchIncludes) == 0 || match(t.BranchIncludes)
}

// globMatch reports whether s matches p, where * stands for any run of
// characters, slashes included (branch filters: "release/*", "*").
func globMatch(p, s string) bool {
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case i < len(p) && p[i] == s[j]:
			i++
			j++
		case star >= 0:
			i, mark = star+1, mark+1
			j = mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}

// PathsMatch applies a trigger's path filters to a push's changed files:
// the push builds when a file is not excluded and is included (no include
// list takes every file).
func PathsMatch(t Trigger, files []string) bool {
	for _, f := range files {
		excluded := false
		for _, p := range t.PathExcludes {
			excluded = excluded || globMatch(p, f)
		}
		if excluded {
			continue
		}
		if len(t.PathIncludes) == 0 {
			return true
		}
		for _, p := range t.PathIncludes {
			if globMatch(p, f) {
				return true
			}
		}
	}
	return false
}
