package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/model"
)

// The corpus in testdata/real holds whole answers with the keys and JSON
// types Cloudflare's service really sends (see its README). Every file must
// decode into the values it holds.

func realFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "real", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// route serves fixed answers by "METHOD path?query" (query optional) and
// records every request with its body.
type route struct {
	status int
	body   string
}

type recorded struct {
	method, path, query, body string
}

func routed(t *testing.T, routes map[string]route) (*Client, *[]recorded) {
	t.Helper()
	var got []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(body)})
		key := r.Method + " " + strings.TrimPrefix(r.URL.EscapedPath(), "/client/v4")
		rt, ok := routes[key+"?"+r.URL.RawQuery]
		if !ok {
			rt, ok = routes[key]
		}
		if !ok {
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"success":false,"errors":[{"code":7000,"message":"No route for that URI"}],"messages":[],"result":null}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rt.status)
		_, _ = io.WriteString(w, rt.body)
	}))
	t.Cleanup(srv.Close)
	c, err := New("acct", testToken, WithBaseURL(srv.URL+"/client/v4"), WithRetries(0, time.Millisecond), WithScheduler(NewScheduler(1_000_000)))
	if err != nil {
		t.Fatal(err)
	}
	return c, &got
}

const (
	realTag     = "ec60995bd99d4c28a8a3a4dc7ce64c10"
	realRunning = "5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b"
	realTrigger = "218d9fa8-79ba-4121-80c2-a8ccabce7165"
)

func ms(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// checkRealBuild checks every field of the running build the corpus holds.
func checkRealBuild(t *testing.T, b model.Build) {
	t.Helper()
	if b.UUID != realRunning || b.Status != model.StatusRunning || b.Outcome != model.OutcomeNone {
		t.Fatalf("uuid/status/outcome: %q %q %q", b.UUID, b.Status, b.Outcome)
	}
	if !b.CreatedOn.Equal(ms("2026-08-13T02:34:28.512Z")) || !b.ModifiedOn.Equal(ms("2026-08-13T02:34:35.117Z")) ||
		b.InitializingOn == nil || !b.InitializingOn.Equal(ms("2026-08-13T02:34:29.793Z")) ||
		b.RunningOn == nil || !b.RunningOn.Equal(ms("2026-08-13T02:34:35.117Z")) || b.StoppedOn != nil {
		t.Errorf("times: %v %v %v %v %v", b.CreatedOn, b.ModifiedOn, b.InitializingOn, b.RunningOn, b.StoppedOn)
	}
	m := b.Meta
	if m.Source != "push" || m.Branch != "main" || m.CommitHash != "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6" ||
		m.CommitMessage != "Fix the header on mobile" || m.Author != "dev@example.com" ||
		m.BuildCommand != "npm run build" || m.DeployCommand != "npx wrangler deploy" || m.RootDirectory != "/" ||
		m.BuildTokenUUID != "34d0cf5f-082b-44a2-9b04-7b24be3a4fd9" || m.RepoName != "example-site" ||
		m.ProviderAccountName != "example-org" || m.ProviderType != "github" {
		t.Errorf("metadata: %+v", m)
	}
	if env := m.EnvironmentVariables; len(env) != 2 || env["NODE_VERSION"] != (model.EnvVar{Value: "22"}) ||
		env["API_KEY"] != (model.EnvVar{IsSecret: true}) {
		t.Errorf("environment variables: %+v", env)
	}
	checkRealTrigger(t, b.Trigger, false)
	if b.WorkerTag != realTag || b.PullRequest != nil {
		t.Errorf("worker tag %q, pull request %v", b.WorkerTag, b.PullRequest)
	}
}

func checkRealTrigger(t *testing.T, tr model.Trigger, withToken bool) {
	t.Helper()
	if tr.TriggerUUID != realTrigger || tr.ExternalScriptID != realTag || tr.TriggerName != "Deploy default branch" ||
		tr.BuildCommand != "npm run build" || tr.DeployCommand != "npx wrangler deploy" || tr.RootDirectory != "/" ||
		strings.Join(tr.BranchIncludes, ",") != "main" || len(tr.BranchExcludes) != 0 ||
		strings.Join(tr.PathIncludes, ",") != "*" || len(tr.PathExcludes) != 0 || !tr.BuildCachingEnabled ||
		!tr.CreatedOn.Equal(ms("2026-08-13T02:33:54.080Z")) || tr.DeletedOn != nil {
		t.Errorf("trigger: %+v", tr)
	}
	if withToken && (tr.BuildTokenUUID != "34d0cf5f-082b-44a2-9b04-7b24be3a4fd9" || tr.BuildTokenName != "example build token") {
		t.Errorf("trigger's build token: %q %q", tr.BuildTokenUUID, tr.BuildTokenName)
	}
	rc := tr.RepoConnection
	if rc == nil || rc.RepoConnectionUUID != "c3b2f3e1-5639-4e5e-95cb-cb6bc12bf9b5" || rc.RepoID != "1332620835" ||
		rc.RepoName != "example-site" || rc.ProviderType != "github" || rc.ProviderAccountID != "14229321" ||
		rc.ProviderAccountName != "example-org" {
		t.Errorf("repo connection: %+v", rc)
	}
}

func TestRealBuild(t *testing.T) {
	t.Parallel()
	c, got := routed(t, map[string]route{"GET /accounts/acct/builds/builds/" + realRunning: {200, realFile(t, "build-get-running.json")}})
	b, err := c.Build(context.Background(), realRunning)
	if err != nil {
		t.Fatal(err)
	}
	checkRealBuild(t, b)
	if len(*got) != 1 {
		t.Fatalf("%d requests", len(*got))
	}
}

func TestRealLatest(t *testing.T) {
	t.Parallel()
	c, got := routed(t, map[string]route{"GET /accounts/acct/builds/builds/latest": {200, realFile(t, "builds-latest.json")}})
	bs, err := c.LatestBuilds(context.Background(), []string{realTag, "ffffffffffffffffffffffffffffffff"})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 {
		t.Fatalf("builds: %v", bs)
	}
	checkRealBuild(t, bs[realTag])
	if q := (*got)[0].query; q != "external_script_ids="+realTag+"%2Cffffffffffffffffffffffffffffffff" {
		t.Errorf("query %q", q)
	}
}

// TestRealHistoryPaging reads a history of two pages: it follows next_page
// (true on the first, false on the last) and stops there.
func TestRealHistoryPaging(t *testing.T) {
	t.Parallel()
	base := "GET /accounts/acct/builds/workers/" + realTag + "/builds"
	c, got := routed(t, map[string]route{
		base + "?page=1&per_page=200": {200, realFile(t, "builds-by-worker.json")},
		base + "?page=2&per_page=200": {200, realFile(t, "builds-by-worker-last-page.json")},
	})
	bs, err := c.WorkerHistory(context.Background(), model.Worker{Name: "example-site", Tag: realTag}, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(*got) != 2 {
		t.Fatalf("%d requests, want 2 (page 1, then page 2 whose next_page is false)", len(*got))
	}
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.UUID)
		if b.WorkerName != "example-site" || b.WorkerTag != realTag {
			t.Errorf("build %s: worker %q %q", b.UUID, b.WorkerName, b.WorkerTag)
		}
	}
	// Newest first, whatever order the pages came in.
	want := "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e," + realRunning + ",a9d8c7b6-e5f4-4a3b-8c2d-1e0f9a8b7c6d"
	if strings.Join(ids, ",") != want {
		t.Errorf("order %v", ids)
	}
	checkRealBuild(t, bs[1])
	if stopped := bs[2]; stopped.Outcome != model.OutcomeSuccess || stopped.StoppedOn == nil ||
		!stopped.StoppedOn.Equal(ms("2026-08-13T01:12:07.333Z")) {
		t.Errorf("stopped build: %+v", stopped)
	}
	if queued := bs[0]; queued.Status != model.StatusQueued || queued.InitializingOn != nil || len(queued.Meta.EnvironmentVariables) != 0 {
		t.Errorf("queued build: %+v", queued)
	}
	// One page, decoded alone: the paging block as it came.
	p, err := c.WorkerBuilds(context.Background(), realTag, 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	if p.Info != (ResultInfo{Page: 1, PerPage: 2, Count: 2, TotalCount: 3, TotalPages: 2, NextPage: true, HasNextPage: true}) || !p.More() {
		t.Errorf("result_info %+v", p.Info)
	}
}

func TestRealLogPage(t *testing.T) {
	t.Parallel()
	c, _ := routed(t, map[string]route{"GET /accounts/acct/builds/builds/" + realRunning + "/logs": {200, realFile(t, "logs-page.json")}})
	p, err := c.Log(context.Background(), realRunning, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Cursor != "WzAsMzRd" || p.Truncated || len(p.Lines) != 1 ||
		p.Lines[0].Text != "Initializing build environment..." || p.Lines[0].Time.UnixMilli() != 1784052295481 {
		t.Fatalf("page %+v", p)
	}
	if len(p.Events) != 1 || p.Events[0].Type != "initializing" || p.Events[0].StartedOn == nil ||
		!p.Events[0].StartedOn.Equal(ms("2026-08-13T02:34:29.793Z")) || !p.Events[0].EndedOn.Equal(ms("2026-08-13T02:34:35.117Z")) {
		t.Errorf("events %+v", p.Events)
	}
}

func TestRealTriggers(t *testing.T) {
	t.Parallel()
	c, _ := routed(t, map[string]route{
		"GET /accounts/acct/builds/workers/" + realTag + "/triggers":                  {200, realFile(t, "triggers-by-worker.json")},
		"GET /accounts/acct/builds/workers/ffffffffffffffffffffffffffffffff/triggers": {200, realFile(t, "triggers-by-worker-empty.json")},
	})
	trs, err := c.Triggers(context.Background(), model.Worker{Name: "example-site", Tag: realTag})
	if err != nil || len(trs) != 1 {
		t.Fatalf("triggers %v, %v", trs, err)
	}
	checkRealTrigger(t, trs[0], true)
	trs, err = c.Triggers(context.Background(), model.Worker{Tag: "ffffffffffffffffffffffffffffffff"})
	if err != nil || len(trs) != 0 {
		t.Fatalf("no triggers: %v, %v", trs, err)
	}
}

func TestRealCreateBuild(t *testing.T) {
	t.Parallel()
	c, got := routed(t, map[string]route{"POST /accounts/acct/builds/triggers/" + realTrigger + "/builds": {200, realFile(t, "build-create-manual.json")}})
	cb, err := c.CreateBuild(context.Background(), realTrigger, BuildRequest{Branch: "main", CommitHash: "0f1e2d3"})
	if err != nil {
		t.Fatal(err)
	}
	if cb.UUID != "7e6d5c4b-3a29-4187-9655-4433221100ff" || !cb.CreatedOn.Equal(ms("2026-08-13T03:01:12.345Z")) {
		t.Errorf("created %+v", cb)
	}
	if r := (*got)[0]; r.body != `{"branch":"main","commit_hash":"0f1e2d3"}` {
		t.Errorf("body %q", r.body)
	}
}

func TestRealTokensAndVerify(t *testing.T) {
	t.Parallel()
	c, _ := routed(t, map[string]route{
		"GET /accounts/acct/builds/tokens": {200, realFile(t, "tokens-list.json")},
		"GET /user/tokens/verify":          {200, realFile(t, "token-verify.json")},
	})
	toks, err := c.BuildTokens(context.Background())
	if err != nil || len(toks) != 1 || toks[0] != (model.BuildToken{UUID: "567e83d8-9801-433d-9149-517d8993499a",
		Name: "example build token", CloudflareTokenID: "718f0eabbb3c963f36fb064d637b9a03", OwnerType: "user"}) {
		t.Fatalf("tokens %+v, %v", toks, err)
	}
	// messages holds objects here, not strings: the answer is still good.
	st, err := c.VerifyToken(context.Background())
	if err != nil || st.Status != "active" || st.ID != "d07b2a25f05151591830c45053186979" {
		t.Fatalf("verify %+v, %v", st, err)
	}
}

// TestRealErrors: each error body of the corpus, at its status, gives the
// right kind, Cloudflare's code, and a message that says what to do.
func TestRealErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		status int
		call   func(*Client) error
		kind   error
		code   int
		want   string
	}{
		{"error-403-missing-permission.json", 403, func(c *Client) error { _, err := c.Build(context.Background(), realRunning); return err },
			ErrForbidden, 10000, "add Workers CI Read to the API token"},
		{"error-403-missing-permission.json", 403, func(c *Client) error { _, err := c.Cancel(context.Background(), realRunning); return err },
			ErrForbidden, 10000, "add Workers CI Edit to the API token"},
		{"error-403-missing-permission.json", 403, func(c *Client) error { _, err := c.Workers(context.Background()); return err },
			ErrForbidden, 10000, "add Workers Scripts Read to the API token"},
		{"error-403-missing-permission.json", 401, func(c *Client) error { _, err := c.Build(context.Background(), realRunning); return err },
			ErrUnauthorized, 10000, "user-scoped API token"},
		{"error-403-missing-permission.json", 429, func(c *Client) error { _, err := c.Build(context.Background(), realRunning); return err },
			ErrRateLimited, 10000, "rate limited"},
		{"error-400-invalid-body.json", 400, func(c *Client) error {
			_, err := c.CreateBuild(context.Background(), realTrigger, BuildRequest{Branch: "x"})
			return err
		}, ErrRequest, 12002, "Invalid request body"},
		{"error-400-invalid-query.json", 400, func(c *Client) error { _, err := c.LatestBuilds(context.Background(), []string{"x"}); return err },
			ErrRequest, 12013, "Invalid query parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.want, func(t *testing.T) {
			body := realFile(t, tt.file)
			c, got := fixture(t, tt.status, map[string]string{"Retry-After": "1"}, body)
			c.retries = 0 // each answer once: a 429 is not waited out here
			err := tt.call(c)
			var ae *Error
			if !errors.Is(err, tt.kind) || !errors.As(err, &ae) || !ae.HasCode(tt.code) {
				t.Fatalf("err %v, want kind %v with code %d", err, tt.kind, tt.code)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q lacks %q", msg, tt.want)
			}
			// The meaning comes first and the request last.
			if i, j := strings.Index(msg, tt.kind.Error()), strings.Index(msg, (*got)[0].URL.Path[len("/client/v4"):]); i < 0 || j < i {
				t.Errorf("message %q: the kind should lead and the path come last", msg)
			}
		})
	}
}

// TestEnvelopeTolerance: no part of the envelope but success and result may
// throw a good answer away.
func TestEnvelopeTolerance(t *testing.T) {
	t.Parallel()
	good := `"result":[],"success":true`
	for name, body := range map[string]string{
		"next_page bool":         `{` + good + `,"result_info":{"next_page":false,"page":1,"total_pages":1}}`,
		"next_page number":       `{` + good + `,"result_info":{"next_page":2,"page":1}}`,
		"next_page null":         `{` + good + `,"result_info":{"next_page":null}}`,
		"next_page string":       `{` + good + `,"result_info":{"next_page":"soon"}}`,
		"page as string":         `{` + good + `,"result_info":{"page":"1","per_page":"x"}}`,
		"result_info not object": `{` + good + `,"result_info":"none"}`,
		"messages objects":       `{` + good + `,"messages":[{"code":1,"message":"hi","type":null}]}`,
		"messages string":        `{` + good + `,"messages":"hello"}`,
		"errors wrong type":      `{` + good + `,"errors":{"code":1}}`,
		"errors strings":         `{` + good + `,"errors":["odd"]}`,
		"unknown key":            `{` + good + `,"extra":{"a":[1,2]}}`,
		"no errors or messages":  `{` + good + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := fixture(t, 200, nil, body)
			if _, err := c.Workers(context.Background()); err != nil {
				t.Fatalf("a good answer was thrown away: %v", err)
			}
		})
	}
	c, _ := fixture(t, 200, nil, `{"result":[],"errors":[]}`)
	if _, err := c.Workers(context.Background()); !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), `no "success" field`) {
		t.Fatalf("without success: %v", err)
	}
}

func TestResultInfoMore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ri   ResultInfo
		more bool
	}{
		{ResultInfo{Page: 1, TotalPages: 2, NextPage: true, HasNextPage: true}, true},
		{ResultInfo{Page: 2, TotalPages: 2, NextPage: false, HasNextPage: true}, false},
		{ResultInfo{Page: 2, TotalPages: 2, NextPage: true, HasNextPage: true}, false}, // never past total_pages
		{ResultInfo{Page: 1, NextPage: true, HasNextPage: true}, true},                 // total unknown
		{ResultInfo{Page: 1, TotalPages: 3}, true},                                     // no next_page: by total
		{ResultInfo{Page: 3, TotalPages: 3}, false},
		{ResultInfo{}, false},
	} {
		if got := tt.ri.More(); got != tt.more {
			t.Errorf("%+v: More %v, want %v", tt.ri, got, tt.more)
		}
	}
}

// TestEndpointRequests checks the method, path (each segment escaped once)
// and query of every endpoint, as go-github does.
func TestEndpointRequests(t *testing.T) {
	t.Parallel()
	ok := func(result string) route {
		return route{200, `{"success":true,"errors":[],"messages":[],"result":` + result + `}`}
	}
	const odd = "a b/c%d" // a value that needs escaping, once
	const esc = "a%20b%2Fc%25d"
	c, got := routed(t, map[string]route{
		"GET /accounts/acc%2Ft/workers/scripts":                                ok(`[]`),
		"GET /accounts/acc%2Ft/builds/builds/latest":                           ok(`{"builds":{}}`),
		"GET /accounts/acc%2Ft/builds/builds":                                  ok(`{"builds":{}}`),
		"GET /accounts/acc%2Ft/builds/workers/" + esc + "/builds":              ok(`[]`),
		"GET /accounts/acc%2Ft/builds/builds/" + esc:                           ok(`{}`),
		"GET /accounts/acc%2Ft/builds/builds/" + esc + "/logs":                 ok(`{"lines":[],"cursor":"c","truncated":false}`),
		"PUT /accounts/acc%2Ft/builds/builds/" + esc + "/cancel":               ok(`{}`),
		"GET /accounts/acc%2Ft/workers/scripts/" + esc + "/deployments":        ok(`{"deployments":[]}`),
		"GET /accounts/acc%2Ft/builds/workers/" + esc + "/triggers":            ok(`[]`),
		"POST /accounts/acc%2Ft/builds/triggers/" + esc + "/builds":            ok(`{"build_uuid":"u"}`),
		"POST /accounts/acc%2Ft/builds/triggers/" + esc + "/purge_build_cache": ok(`null`),
		"GET /accounts/acc%2Ft/builds/tokens":                                  ok(`[]`),
		"GET /accounts/acc%2Ft/builds/account/limits":                          ok(`{}`),
		"GET /user/tokens/verify":                                              ok(`{}`),
	})
	c.account = "acc/t"
	ctx := context.Background()
	w := model.Worker{Name: odd, Tag: odd}
	calls := []struct {
		method, path, query string
		call                func() error
	}{
		{"GET", "/workers/scripts", "", func() error { _, err := c.Workers(ctx); return err }},
		{"GET", "/builds/builds/latest", "external_script_ids=t1%2Ct2", func() error { _, err := c.LatestBuilds(ctx, []string{"t1", "t2"}); return err }},
		{"GET", "/builds/builds", "version_ids=v1", func() error { _, err := c.BuildsByVersion(ctx, []string{"v1"}); return err }},
		{"GET", "/builds/workers/" + esc + "/builds", "page=2&per_page=30", func() error { _, err := c.WorkerBuilds(ctx, odd, 2, 30); return err }},
		{"GET", "/builds/builds/" + esc, "", func() error { _, err := c.Build(ctx, odd); return err }},
		{"GET", "/builds/builds/" + esc + "/logs", "cursor=WzAsMzRd", func() error { _, err := c.Log(ctx, odd, "WzAsMzRd"); return err }},
		{"PUT", "/builds/builds/" + esc + "/cancel", "", func() error { _, err := c.Cancel(ctx, odd); return err }},
		{"GET", "/workers/scripts/" + esc + "/deployments", "", func() error { _, err := c.Deployments(ctx, odd); return err }},
		{"GET", "/builds/workers/" + esc + "/triggers", "", func() error { _, err := c.Triggers(ctx, w); return err }},
		{"POST", "/builds/triggers/" + esc + "/builds", "", func() error {
			_, err := c.CreateBuild(ctx, odd, BuildRequest{Branch: "main"})
			return err
		}},
		{"POST", "/builds/triggers/" + esc + "/purge_build_cache", "", func() error { return c.PurgeBuildCache(ctx, odd) }},
		{"GET", "/builds/tokens", "", func() error { _, err := c.BuildTokens(ctx); return err }},
		{"GET", "/builds/account/limits", "", func() error { _, err := c.AccountLimits(ctx); return err }},
	}
	for _, tt := range calls {
		*got = nil
		if err := tt.call(); err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		r := (*got)[0]
		if want := "/client/v4/accounts/acc%2Ft" + tt.path; r.method != tt.method || r.path != want || r.query != tt.query {
			t.Errorf("asked %s %s ?%s, want %s %s ?%s", r.method, r.path, r.query, tt.method, want, tt.query)
		}
	}
	*got = nil
	if _, err := c.VerifyToken(ctx); err != nil || (*got)[0].path != "/client/v4/user/tokens/verify" {
		t.Errorf("verify: %v %+v", err, *got)
	}
}

// TestOutputPassesEverythingOn: list --json's item is the build as the API
// sent it, unknown fields included, plus the Worker and its live share.
func TestOutputPassesEverythingOn(t *testing.T) {
	t.Parallel()
	body := strings.Replace(realFile(t, "build-get-running.json"), `"status":"running",`, `"status":"running","brand_new_field":{"x":[1]},`, 1)
	c, _ := routed(t, map[string]route{"GET /accounts/acct/builds/builds/" + realRunning: {200, body}})
	b, err := c.Build(context.Background(), realRunning)
	if err != nil {
		t.Fatal(err)
	}
	b.WorkerName = "example-site"
	pct := 90.0
	out := OutputJSON(b, &pct)
	for k, want := range map[string]string{
		"brand_new_field": `{"x":[1]}`, "worker_name": `"example-site"`, "worker_tag": `"` + realTag + `"`,
		"live_percentage": `90`, "build_outcome": `null`,
	} {
		if got := string(out[k]); got != want {
			t.Errorf("%s: %s, want %s", k, got, want)
		}
	}
	for _, k := range []string{"trigger", "build_trigger_metadata", "pull_request", "stopped_on"} {
		if _, ok := out[k]; !ok {
			t.Errorf("%s dropped", k)
		}
	}
	if !strings.Contains(string(out["build_trigger_metadata"]), `"build_token_uuid":"34d0cf5f`) ||
		!strings.Contains(string(out["build_trigger_metadata"]), `"API_KEY":{"is_secret":true`) {
		t.Errorf("metadata not passed on whole: %s", out["build_trigger_metadata"])
	}
}

// TestOneOddFieldCostsOnlyThatField: a build_trigger_metadata that is a
// string loses the metadata, not the build or the answer.
func TestOneOddFieldCostsOnlyThatField(t *testing.T) {
	t.Parallel()
	body := strings.Replace(realFile(t, "builds-latest.json"), `"build_trigger_metadata":{`, `"build_trigger_metadata":"odd","was_metadata":{`, 1)
	c, _ := routed(t, map[string]route{"GET /accounts/acct/builds/builds/latest": {200, body}})
	bs, err := c.LatestBuilds(context.Background(), []string{realTag})
	if err != nil {
		t.Fatal(err)
	}
	if b := bs[realTag]; b.UUID != realRunning || b.Status != model.StatusRunning || b.Trigger.TriggerUUID != realTrigger || b.Meta.Branch != "" {
		t.Fatalf("build %+v", b)
	}
}

// TestRealBuildWithPreviewURL (#36.6): the real build answer with the
// preview_url Cloudflare's notifications template reads: a string is kept,
// null or a number is none, and the rest of the build is read as before.
func TestRealBuildWithPreviewURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want string }{
		{`"https://feature-x-example-site.acme.workers.dev"`, "https://feature-x-example-site.acme.workers.dev"},
		{`null`, ""},
		{`42`, ""},
	} {
		body := strings.Replace(realFile(t, "build-get-running.json"), `"build_uuid"`, `"preview_url": `+tc.value+`, "build_uuid"`, 1)
		c, _ := routed(t, map[string]route{"GET /accounts/acct/builds/builds/" + realRunning: {200, body}})
		b, err := c.Build(context.Background(), realRunning)
		if err != nil {
			t.Fatal(err)
		}
		checkRealBuild(t, b)
		if b.PreviewURL != tc.want || !bytes.Contains(b.Source, []byte(`"preview_url"`)) {
			t.Fatalf("preview_url %s: %q, and kept as sent: %v", tc.value, b.PreviewURL, bytes.Contains(b.Source, []byte(`"preview_url"`)))
		}
	}
}
