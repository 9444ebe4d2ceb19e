package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
)

func newTestSim(t *testing.T, o Options) (*Sim, *simtest.ManualClock, *httptest.Server) {
	t.Helper()
	clock := simtest.NewManualClock(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	o.Clock = clock
	s := New(o)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, clock, srv
}

func call(t *testing.T, srv *httptest.Server, method, path, token string) (int, map[string]any, http.Header) {
	t.Helper()
	return callURL(t, srv.Client(), srv.URL, method, path, token, "")
}

// callBody calls the simulator's handler directly (no socket) with a body;
// token "" is the default token. Paths under /user/ are outside the account.
func callBody(t *testing.T, s *Sim, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	if token == "" {
		token = DefaultToken
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	return callURL(t, srv.Client(), srv.URL, method, path, token, body)
}

func callURL(t *testing.T, c *http.Client, base, method, path, token, reqBody string) (int, map[string]any, http.Header) {
	t.Helper()
	u := base + "/client/v4/accounts/" + DefaultAccountID + path
	if strings.HasPrefix(path, "/user/") {
		u = base + "/client/v4" + path
	}
	var rd io.Reader
	if reqBody != "" {
		rd = strings.NewReader(reqBody)
	}
	req, _ := http.NewRequest(method, u, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v: %s", method, path, err, body)
	}
	return resp.StatusCode, v, resp.Header
}

// TestContract calls every endpoint the client uses, in every state that
// changes the answer, and validates each response against the schema file.
func TestContract(t *testing.T) {
	t.Parallel()
	for _, mode := range []CursorMode{CursorIncremental, CursorSnapshot} {
		doc := loadSchema(t)
		s, clock, srv := newTestSim(t, Options{Seed: 7, PageSize: 10, Cursor: mode})
		clock.Advance(15 * time.Second) // a build or two is live
		workers := s.Workers()
		var tags []string
		for _, w := range workers {
			tags = append(tags, w[1])
		}
		check := func(specPath, method, path string, wantStatus int) map[string]any {
			t.Helper()
			status, body, _ := call(t, srv, strings.ToUpper(method), path, DefaultToken)
			if status != wantStatus {
				t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, wantStatus, body)
			}
			for _, e := range doc.validate(doc.responseSchema(t, specPath, method, status), any(body), "$") {
				t.Errorf("%s %s (%d): %s", method, path, status, e)
			}
			return body
		}
		const (
			pLatest  = "/accounts/{account_id}/builds/builds/latest"
			pVersion = "/accounts/{account_id}/builds/builds"
			pBuild   = "/accounts/{account_id}/builds/builds/{build_uuid}"
			pLogs    = "/accounts/{account_id}/builds/builds/{build_uuid}/logs"
			pCancel  = "/accounts/{account_id}/builds/builds/{build_uuid}/cancel"
			pHistory = "/accounts/{account_id}/builds/workers/{external_script_id}/builds"
		)
		latest := check(pLatest, "get", "/builds/builds/latest?external_script_ids="+strings.Join(tags, ","), 200)
		if n := len(latest["result"].(map[string]any)["builds"].(map[string]any)); n != len(tags) {
			t.Fatalf("latest: %d builds for %d tags", n, len(tags))
		}
		check(pLatest, "get", "/builds/builds/latest?external_script_ids="+strings.Repeat("x,", 20)+"x", 400)
		page := check(pHistory, "get", "/builds/workers/"+tags[0]+"/builds?per_page=3&page=1", 200)
		if page["result_info"].(map[string]any)["next_page"] != true {
			t.Errorf("history page 1 has no next_page: %v", page["result_info"])
		}
		check(pHistory, "get", "/builds/workers/"+tags[0]+"/builds?per_page=500", 400)
		check(pHistory, "get", "/builds/workers/"+workers[0][0]+"/builds", 404) // a name, not a tag
		all := s.Builds()
		var active, stopped BuildInfo
		for _, b := range all {
			if b.Status != "stopped" && active.UUID == "" {
				active = b
			}
			if b.Status == "stopped" && b.Outcome == "success" && stopped.UUID == "" {
				stopped = b
			}
		}
		if active.UUID == "" || stopped.UUID == "" {
			t.Fatalf("want an active and a stopped build, have %+v", all[:3])
		}
		check(pBuild, "get", "/builds/builds/"+active.UUID, 200)
		check(pBuild, "get", "/builds/builds/"+stopped.UUID, 200)
		check(pBuild, "get", "/builds/builds/00000000-0000-4000-a000-000000000000", 404)
		logs := check(pLogs, "get", "/builds/builds/"+stopped.UUID+"/logs", 200)
		res := logs["result"].(map[string]any)
		if res["truncated"] != true {
			t.Fatalf("a long log on 10-line pages should be truncated: %v", res["truncated"])
		}
		check(pLogs, "get", "/builds/builds/"+stopped.UUID+"/logs?cursor="+res["cursor"].(string), 200)
		check(pLogs, "get", "/builds/builds/"+stopped.UUID+"/logs?cursor=%25%25", 400)
		// Versions of successful builds.
		check(pVersion, "get", "/builds/builds?version_ids=a,b", 200)
		v := s.VersionOf(stopped.UUID)
		byVersion := check(pVersion, "get", "/builds/builds?version_ids=nope,"+v, 200)
		if got := byVersion["result"].(map[string]any)["builds"].(map[string]any); len(got) != 1 || got[v] == nil {
			t.Fatalf("builds by version: %v", got)
		}
		check(pCancel, "put", "/builds/builds/"+active.UUID+"/cancel", 200)
		check(pCancel, "put", "/builds/builds/"+active.UUID+"/cancel", 400)
		check(pCancel, "put", "/builds/builds/00000000-0000-4000-a000-000000000000/cancel", 404)
		check(pBuild, "get", "/builds/builds/"+active.UUID, 200)
		// Unauthorized and the error envelope.
		status, body, _ := call(t, srv, "GET", "/builds/builds/"+active.UUID, "wrong")
		if status != 401 {
			t.Fatalf("wrong token: %d", status)
		}
		for _, e := range doc.validate(doc.Components.Schemas["builds_ErrorResponse"], any(body), "$") {
			t.Error("401:", e)
		}
	}
}

// TestWorkersShape checks /workers/scripts, which the Builds schema does not
// cover: id is the name and tag is 32 hex.
func TestWorkersShape(t *testing.T) {
	t.Parallel()
	_, _, srv := newTestSim(t, Options{})
	_, body, _ := call(t, srv, "GET", "/workers/scripts", DefaultToken)
	hex := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, w := range body["result"].([]any) {
		m := w.(map[string]any)
		if _, ok := m["id"].(string); !ok || !hex.MatchString(m["tag"].(string)) {
			t.Errorf("bad worker %v", m)
		}
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	_, clock, srv := newTestSim(t, Options{RateLimit: 3})
	for range 3 {
		if st, _, _ := call(t, srv, "GET", "/workers/scripts", DefaultToken); st != 200 {
			t.Fatalf("status %d before the limit", st)
		}
	}
	st, _, h := call(t, srv, "GET", "/workers/scripts", DefaultToken)
	if st != 429 || h.Get("Retry-After") != "300" {
		t.Fatalf("past the limit: %d Retry-After %q", st, h.Get("Retry-After"))
	}
	clock.Advance(5*time.Minute + time.Second)
	if st, _, _ := call(t, srv, "GET", "/workers/scripts", DefaultToken); st != 200 {
		t.Fatalf("after the block: %d", st)
	}
}

func TestWrongAccount(t *testing.T) {
	t.Parallel()
	_, _, srv := newTestSim(t, Options{})
	req, _ := http.NewRequest("GET", srv.URL+"/client/v4/accounts/nope/workers/scripts", nil)
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("wrong account: %d", resp.StatusCode)
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	s, clock, _ := newTestSim(t, Options{Seed: 1})
	uuid := s.Inject(Spec{Lines: []string{"a", "b", "c"}, LineEvery: time.Second, QueueFor: time.Second})
	status := func() string {
		for _, b := range s.Builds() {
			if b.UUID == uuid {
				return b.Status + "/" + b.Outcome
			}
		}
		return "missing"
	}
	want := []string{"queued/", "initializing/", "running/", "running/", "running/", "stopped/success"}
	for i, w := range want {
		if got := status(); got != w {
			t.Fatalf("step %d: %s, want %s", i, got, w)
		}
		clock.Advance(time.Second)
	}
	lines, _ := s.LogText(uuid)
	if strings.Join(lines, ",") != "a,b,c" {
		t.Fatalf("log %v", lines)
	}
}

// TestDeploymentsShape checks /workers/scripts/{name}/deployments, which the
// Builds schema does not cover, against API.md's description.
func TestDeploymentsShape(t *testing.T) {
	t.Parallel()
	s, _, srv := newTestSim(t, Options{Workers: 4, History: 3, Seed: 3})
	for _, w := range s.Workers() {
		_, body, _ := call(t, srv, "GET", "/workers/scripts/"+w[0]+"/deployments", DefaultToken)
		deps := body["result"].(map[string]any)["deployments"].([]any)
		if len(deps) == 0 {
			t.Fatalf("%s has no deployments", w[0])
		}
		prev := ""
		for _, d := range deps {
			m := d.(map[string]any)
			created := m["created_on"].(string)
			if prev != "" && created > prev {
				t.Fatalf("%s: deployments not newest first", w[0])
			}
			prev = created
			total := 0.0
			for _, v := range m["versions"].([]any) {
				vm := v.(map[string]any)
				total += vm["percentage"].(float64)
				if vm["version_id"].(string) == "" {
					t.Fatal("empty version id")
				}
			}
			ann := m["annotations"].(map[string]any)
			if total != 100 || m["strategy"] != "percentage" || ann["workers/triggered_by"] == nil || m["id"] == "" {
				t.Fatalf("%s: bad deployment %v", w[0], m)
			}
		}
	}
}

// TestTokenScopes: an unknown token gets 401; the read-only token reads but
// gets 403, code 10000 on every write; the default token may act.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	s, clock, srv := newTestSim(t, Options{Seed: 2})
	clock.Advance(10 * time.Second)
	var active string
	for _, b := range s.Builds() {
		if b.Status != "stopped" {
			active = b.UUID
			break
		}
	}
	trig := s.Triggers(s.Workers()[0][0])[0].UUID
	for _, tt := range []struct {
		method, path, token, body string
		status, code              int
	}{
		{"GET", "/builds/builds/" + active, "nope", "", 401, 10000},
		{"GET", "/builds/builds/" + active, DefaultReadOnlyToken, "", 200, 0},
		{"PUT", "/builds/builds/" + active + "/cancel", DefaultReadOnlyToken, "", 403, 10000},
		{"POST", "/builds/triggers/" + trig + "/builds", DefaultReadOnlyToken, `{"branch":"main"}`, 403, 10000},
		{"POST", "/builds/triggers/" + trig + "/purge_build_cache", DefaultReadOnlyToken, "", 403, 10000},
		{"POST", "/builds/triggers/" + trig + "/purge_build_cache", DefaultToken, "", 200, 0},
		{"PUT", "/builds/builds/" + active + "/cancel", DefaultToken, "", 200, 0},
	} {
		status, body, _ := callURL(t, srv.Client(), srv.URL, tt.method, tt.path, tt.token, tt.body)
		code := 0
		if errs, _ := body["errors"].([]any); len(errs) > 0 {
			code = int(errs[0].(map[string]any)["code"].(float64))
		}
		if status != tt.status || code != tt.code {
			t.Errorf("%s %s with %s: %d/%d, want %d/%d", tt.method, tt.path, tt.token, status, code, tt.status, tt.code)
		}
	}
	if got := s.Triggers(s.Workers()[0][0])[0].Purges; got != 1 {
		t.Errorf("purges %d, want 1", got)
	}
}

// TestRateLimitHeaders: every answer says what remains of the budget, and
// the count goes down with each request.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	_, _, srv := newTestSim(t, Options{RateLimit: 10})
	for i := range 3 {
		_, _, h := call(t, srv, "GET", "/workers/scripts", DefaultToken)
		if want := fmt.Sprintf(`"default";r=%d;t=300`, 10-i-1); h.Get("Ratelimit") != want || h.Get("Ratelimit-Policy") != `"default";q=10;w=300` {
			t.Fatalf("request %d: Ratelimit %q, policy %q; want %q", i, h.Get("Ratelimit"), h.Get("Ratelimit-Policy"), want)
		}
	}
}

// TestHistoryOrders: each order serves every build once across pages, and
// the shuffled one mixes old and new on its first page.
func TestHistoryOrders(t *testing.T) {
	t.Parallel()
	for _, order := range []HistoryOrder{HistoryNewestFirst, HistoryOldestFirst, HistoryShuffled} {
		s, _, srv := newTestSim(t, Options{Seed: 4, History: 7, PushEvery: -1, HistoryOrder: order})
		tag := s.Workers()[0][1]
		var created []string
		for page := 1; ; page++ {
			_, body, _ := call(t, srv, "GET", fmt.Sprintf("/builds/workers/%s/builds?per_page=3&page=%d", tag, page), DefaultToken)
			for _, b := range body["result"].([]any) {
				created = append(created, b.(map[string]any)["created_on"].(string))
			}
			if body["result_info"].(map[string]any)["next_page"] != true {
				break
			}
		}
		if len(created) != 7 {
			t.Fatalf("order %d: %d builds over the pages, want 7", order, len(created))
		}
		newest := slices.IsSortedFunc(created, func(a, b string) int { return strings.Compare(b, a) })
		oldest := slices.IsSorted(created)
		if order == HistoryNewestFirst && !newest || order == HistoryOldestFirst && !oldest || order == HistoryShuffled && (newest || oldest) {
			t.Errorf("order %d: %v", order, created)
		}
	}
}

// TestManualBuildRuns: a manual build of a trigger runs like a pushed one,
// with the branch and commit asked for and the trigger's settings of now.
func TestManualBuildRuns(t *testing.T) {
	t.Parallel()
	s, clock, srv := newTestSim(t, Options{Seed: 6, PushEvery: -1})
	name := s.Workers()[0][0]
	if err := s.UpdateTrigger(name, "pnpm build"); err != nil {
		t.Fatal(err)
	}
	trig := s.Triggers(name)[0].UUID
	status, body, _ := callURL(t, srv.Client(), srv.URL, "POST", "/builds/triggers/"+trig+"/builds", DefaultToken, `{"branch":"main","commit_hash":"abc123"}`)
	if status != 200 {
		t.Fatalf("manual build: %d %v", status, body)
	}
	id := body["result"].(map[string]any)["build_uuid"].(string)
	clock.Advance(10 * time.Minute)
	_, b, _ := call(t, srv, "GET", "/builds/builds/"+id, DefaultToken)
	res := b["result"].(map[string]any)
	meta := res["build_trigger_metadata"].(map[string]any)
	if res["status"] != "stopped" || meta["build_trigger_source"] != "manual" || meta["branch"] != "main" ||
		meta["commit_hash"] != "abc123" || meta["build_command"] != "pnpm build" {
		t.Fatalf("manual build: %v", res)
	}
	lines, _ := s.LogText(id)
	if !slices.Contains(lines, "Executing user build command: pnpm build") {
		t.Errorf("log does not run the trigger's command of now: %v", lines)
	}
}
