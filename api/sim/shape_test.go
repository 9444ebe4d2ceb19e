package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
)

// The structural contract: for every endpoint the simulator serves, its
// answer has the same key paths with the same JSON types as the real answer
// in the corpus (api/testdata/real, copied from shared/cloudflare/responses).
// Values may differ; keys and types may not.

// shape maps each key path of a JSON value to the set of JSON types seen
// there. Array items share the path "[]"; the keys of maps whose keys are
// data (Worker tags, variable names) are folded into "*".
type shape map[string]map[string]bool

var dataKeyed = map[string]bool{"result.builds": true}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

func (s shape) add(v any, path string) {
	if s[path] == nil {
		s[path] = map[string]bool{}
	}
	s[path][jsonType(v)] = true
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if dataKeyed[path] || strings.HasSuffix(path, "environment_variables") {
				k = "*"
			}
			s.add(val, join(k))
		}
	case []any:
		for _, it := range x {
			s.add(it, path+"[]")
		}
	}
}

func shapeOf(t *testing.T, bodies ...[]byte) shape {
	t.Helper()
	s := shape{}
	for _, b := range bodies {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		s.add(v, "")
	}
	return s
}

// differences lists how got departs from want: a key path missing or extra,
// or a type want never has there. Where the corpus only ever shows null
// (grant_id, pull_request, deleted_on) or an empty array (branch_excludes)
// it cannot say the type, so any is accepted there and below.
func differences(want, got shape) []string {
	onlyNull := func(p string) bool {
		for {
			if ts, ok := want[p]; ok && len(ts) == 1 && ts["null"] {
				return true
			}
			if _, items := want[p+"[]"]; want[p]["array"] && !items {
				if _, gotItems := got[p+"[]"]; gotItems {
					return true
				}
			}
			i := strings.LastIndexAny(p, ".[")
			if i < 0 {
				return false
			}
			p = p[:i]
		}
	}
	var out []string
	for p := range want {
		if _, ok := got[p]; !ok {
			out = append(out, "missing "+p)
		}
	}
	for p, ts := range got {
		if onlyNull(p) {
			continue
		}
		wt, ok := want[p]
		if !ok {
			out = append(out, "extra "+p)
			continue
		}
		for ty := range ts {
			if !wt[ty] {
				out = append(out, fmt.Sprintf("%s: %s where the real service sends %s", p, ty, keys(wt)))
			}
		}
	}
	sort.Strings(out)
	return out
}

func keys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, "|")
}

func corpus(t *testing.T, names ...string) shape {
	t.Helper()
	var bodies [][]byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "real", n))
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	return shapeOf(t, bodies...)
}

// raw calls the simulator and returns the status and body.
func raw(t *testing.T, s *Sim, method, path, token, body string) (int, []byte) {
	t.Helper()
	status, v, _ := callBody(t, s, method, path, token, body)
	b, _ := json.Marshal(v)
	return status, b
}

func TestShapesMatchTheRealService(t *testing.T) {
	t.Parallel()
	s, clock, srv := newTestSim(t, Options{Seed: 7, PageSize: 10})
	_ = srv
	clock.Advance(15 * time.Second)
	var running, stopped BuildInfo
	for _, b := range s.Builds() {
		if b.Status == "running" && running.UUID == "" {
			running = b
		}
		if b.Status == "stopped" && stopped.UUID == "" {
			stopped = b
		}
	}
	if running.UUID == "" || stopped.UUID == "" {
		t.Fatal("want a running and a stopped build")
	}
	var tags []string
	for _, w := range s.Workers() {
		tags = append(tags, w[1])
	}
	trig := s.Triggers(running.Worker)[0].UUID
	tests := []struct {
		name, method, path, token, body string
		status                          int
		files                           []string
	}{
		{"build", "GET", "/builds/builds/" + running.UUID, "", "", 200, []string{"build-get-running.json"}},
		{"latest", "GET", "/builds/builds/latest?external_script_ids=" + strings.Join(tags, ","), "", "", 200,
			[]string{"builds-latest.json"}},
		{"history page", "GET", "/builds/workers/" + tags[0] + "/builds?per_page=2&page=1", "", "", 200,
			[]string{"builds-by-worker.json", "builds-by-worker-last-page.json"}},
		{"history last page", "GET", "/builds/workers/" + tags[0] + "/builds?per_page=200", "", "", 200,
			[]string{"builds-by-worker.json", "builds-by-worker-last-page.json"}},
		{"log page", "GET", "/builds/builds/" + stopped.UUID + "/logs", "", "", 200, []string{"logs-page.json"}},
		{"triggers", "GET", "/builds/workers/" + tags[0] + "/triggers", "", "", 200, []string{"triggers-by-worker.json"}},
		{"tokens", "GET", "/builds/tokens", "", "", 200, []string{"tokens-list.json"}},
		{"verify", "GET", "/user/tokens/verify", "", "", 200, []string{"token-verify.json"}},
		{"manual build", "POST", "/builds/triggers/" + trig + "/builds", "", `{"branch":"main"}`, 200, []string{"build-create-manual.json"}},
		{"manual build, empty body", "POST", "/builds/triggers/" + trig + "/builds", "", ``, 400, []string{"error-400-invalid-body.json"}},
		{"invalid query", "GET", "/builds/builds/latest?external_script_ids=", "", "", 400, []string{"error-400-invalid-query.json"}},
		{"read-only token cancels", "PUT", "/builds/builds/" + running.UUID + "/cancel", DefaultReadOnlyToken, "", 403,
			[]string{"error-403-missing-permission.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := raw(t, s, tt.method, tt.path, tt.token, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			for _, d := range differences(corpus(t, tt.files...), shapeOf(t, body)) {
				t.Error(d)
			}
		})
	}
}

// TestShapeCheckCatchesATypeChange shows the check failing on the mistake
// that once broke the client: next_page as a number.
func TestShapeCheckCatchesATypeChange(t *testing.T) {
	t.Parallel()
	want := corpus(t, "builds-by-worker.json")
	b, _ := os.ReadFile(filepath.Join("..", "testdata", "real", "builds-by-worker.json"))
	for _, tt := range []struct{ from, to, diff string }{
		{`"next_page":true`, `"next_page":2`, "result_info.next_page: number where the real service sends boolean"},
		{`"grant_id":null,`, ``, "missing result[].trigger.repo_connection.grant_id"},
		{`"is_secret":true`, `"is_secret":"yes"`, "result[].build_trigger_metadata.environment_variables.*.is_secret: string"},
	} {
		changed := strings.Replace(string(b), tt.from, tt.to, -1)
		diffs := differences(want, shapeOf(t, []byte(changed)))
		if !slices.ContainsFunc(diffs, func(d string) bool { return strings.HasPrefix(d, tt.diff) }) {
			t.Errorf("changing %s to %s: differences %v, want %q", tt.from, tt.to, diffs, tt.diff)
		}
	}
	if d := differences(want, shapeOf(t, b)); len(d) != 0 {
		t.Errorf("the corpus differs from itself: %v", d)
	}
}

// Two builds made in one millisecond come back newest first every time:
// the later one made is the newer.
func TestBuildsInOneMillisecondKeepTheirOrder(t *testing.T) {
	t.Parallel()
	clock := simtest.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := New(Options{Workers: 2, PushEvery: -1, History: 1, Seed: 9, Clock: clock})
	name := s.Workers()[0][0]
	for i := range 20 {
		first := s.Push(PushSpec{Repo: "acme/app", Branch: "main", Commit: fmt.Sprintf("%040d", 2*i), Workers: map[string]time.Duration{name: 0}})[name]
		second := s.Push(PushSpec{Repo: "acme/app", Branch: "main", Commit: fmt.Sprintf("%040d", 2*i+1), Workers: map[string]time.Duration{name: 0}})[name]
		bs := s.Builds()
		if bs[0].UUID != second || bs[1].UUID != first {
			t.Fatalf("round %d: newest %s then %s, want %s then %s", i, bs[0].UUID, bs[1].UUID, second, first)
		}
	}
}
