package model

import (
	"strings"
	"testing"
	"time"
)

func TestCheckTriggers(t *testing.T) {
	t.Parallel()
	tokens := []BuildToken{{UUID: "tok-1"}}
	repo := &RepoConnection{RepoName: "app", ProviderAccountName: "acme"}
	good := Trigger{TriggerName: "prod", DeployCommand: "npx wrangler deploy", BranchIncludes: []string{"main"}, BuildCachingEnabled: true, BuildTokenUUID: "tok-1", RepoConnection: repo}
	with := func(f func(*Trigger)) []Trigger { t := good; f(&t); return []Trigger{t} }
	for _, tc := range []struct {
		name string
		trs  []Trigger
		want map[string]CheckStatus // check name → status; nil: all ok
	}{
		{"healthy", []Trigger{good}, nil},
		{"rolled token", with(func(t *Trigger) { t.BuildTokenUUID = "tok-old" }), map[string]CheckStatus{"build token": CheckFail}},
		{"pages deploy", with(func(t *Trigger) { t.DeployCommand = "npx wrangler pages deploy dist" }), map[string]CheckStatus{"deploy command": CheckFail}},
		{"production is master: not assumed main", with(func(t *Trigger) { t.BranchIncludes = []string{"master"} }), nil},
		{"deploys release branches", with(func(t *Trigger) { t.BranchIncludes = []string{"release/*"} }), nil},
		{"production excluded by its own trigger", with(func(t *Trigger) { t.BranchExcludes = []string{"main"} }), map[string]CheckStatus{"production branch": CheckFail}},
		{"versions upload", with(func(t *Trigger) { t.DeployCommand = "npx wrangler versions upload" }), map[string]CheckStatus{"production deploy": CheckWarn}},
		{"deploy for production, upload for previews", []Trigger{good, {TriggerName: "preview", DeployCommand: "npx wrangler versions upload", BranchExcludes: []string{"main"}, BuildCachingEnabled: true, BuildTokenUUID: "tok-1", RepoConnection: repo}}, nil},
		{"cache off", with(func(t *Trigger) { t.BuildCachingEnabled = false }), map[string]CheckStatus{"build cache": CheckWarn}},
		{"every path excluded", with(func(t *Trigger) { t.PathExcludes = []string{"*"} }), map[string]CheckStatus{"path filters": CheckFail}},
		{"repository gone", with(func(t *Trigger) { t.RepoConnection = nil }), map[string]CheckStatus{"repository": CheckFail}},
	} {
		got := map[string]CheckStatus{}
		for _, c := range CheckTriggers(Worker{Name: "w"}, tc.trs, tokens, true) {
			if c.Status != CheckOK {
				got[c.Name] = c.Status
				if c.Fix == "" || c.Page == "" {
					t.Errorf("%s: %s has no fix or page", tc.name, c.Name)
				}
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s is %q, want %q (all: %v)", tc.name, k, got[k], v, got)
			}
		}
	}
}

func TestCheckHistoryTokenLimitsWrangler(t *testing.T) {
	t.Parallel()
	b := func(o Outcome) Build {
		return Build{UUID: string(o), Status: StatusStopped, Outcome: o, Meta: TriggerMetadata{Branch: "master"}}
	}
	preview := Build{UUID: "p", Status: StatusStopped, Outcome: OutcomeSuccess, Meta: TriggerMetadata{Branch: "feature"}}
	// The production branch's last builds, even when a preview build is
	// the latest; master is production here, not main.
	if c := CheckHistory(Worker{Name: "w"}, []Build{preview, b(OutcomeFail), b(OutcomeFail), b(OutcomeFail), b(OutcomeSuccess)}, "master", 3); len(c) != 1 || c[0].Status != CheckFail || !strings.Contains(c[0].Message, "builds of master failed") {
		t.Fatalf("three failures: %+v", c)
	}
	if c := CheckHistory(Worker{Name: "w"}, []Build{b(OutcomeFail), b(OutcomeFail), b(OutcomeFail)}, "main", 3); c != nil {
		t.Fatalf("main has no builds here: %+v", c)
	}
	if c := CheckHistory(Worker{Name: "w"}, []Build{b(OutcomeFail), b(OutcomeSuccess), b(OutcomeFail)}, "master", 3); c != nil {
		t.Fatalf("a success between: %+v", c)
	}
	if got := ProductionBranch([]Trigger{{DeployCommand: "npx wrangler versions upload", BranchIncludes: []string{"*"}}, {DeployCommand: "npm run deploy", BranchIncludes: []string{"production"}}}); got != "production" {
		t.Fatalf("production branch %q", got)
	}
	if got := ProductionBranch([]Trigger{{DeployCommand: "npx wrangler deploy", BranchIncludes: []string{"release/*"}}}); got != "" {
		t.Fatalf("production branch of patterns %q, want none", got)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	soon := now.Add(48 * time.Hour)
	if c := CheckToken("active", &soon, now); c.Status != CheckWarn {
		t.Fatalf("expiring: %+v", c)
	}
	if c := CheckToken("disabled", nil, now); c.Status != CheckFail {
		t.Fatalf("disabled: %+v", c)
	}
	if c := CheckLimits(AccountLimits{ReachedBuildMinutes: true, BuildMinutesRefreshOn: &soon}); c.Status != CheckFail || !strings.Contains(c.Message, "2026-12-03") {
		t.Fatalf("limits: %+v", c)
	}
	cs := CheckWrangler(Wrangler{File: "wrangler.toml", Name: "api", AccountID: "other"}, "acct", []Worker{{Name: "api-gateway"}})
	if len(cs) != 2 || cs[0].Status != CheckFail || cs[1].Status != CheckFail {
		t.Fatalf("wrangler: %+v", cs)
	}
	if cs := CheckWrangler(Wrangler{File: "wrangler.toml", Name: "api-gateway"}, "acct", []Worker{{Name: "api-gateway"}}); cs[0].Status != CheckOK {
		t.Fatalf("wrangler agrees: %+v", cs)
	}
}
