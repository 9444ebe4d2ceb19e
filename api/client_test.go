package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/api/sim/simtest"
	"github.com/cfbuilds/cfbuilds/model"
)

const testToken = "tok-SECRET-123456"

// fixture serves one canned answer and records what it was asked.
func fixture(t *testing.T, status int, header map[string]string, body string) (*Client, *[]*http.Request) {
	t.Helper()
	var reqs []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs = append(reqs, r.Clone(context.Background()))
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := New("acct", testToken, WithBaseURL(srv.URL+"/client/v4"), WithRetries(2, time.Millisecond), WithVersion("test"))
	if err != nil {
		t.Fatal(err)
	}
	return c, &reqs
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	c, reqs := fixture(t, 200, nil, `{"success":true,"errors":[],"messages":[],"result":{"builds":{}}}`)
	if _, err := c.LatestBuilds(context.Background(), []string{"t1", "t2"}); err != nil {
		t.Fatal(err)
	}
	r := (*reqs)[0]
	if r.Method != "GET" || r.URL.Path != "/client/v4/accounts/acct/builds/builds/latest" ||
		r.URL.Query().Get("external_script_ids") != "t1,t2" {
		t.Fatalf("asked %s %s", r.Method, r.URL)
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("User-Agent") != "cfbuilds/test" {
		t.Fatalf("headers %v", r.Header)
	}
}

func TestAPIKeyAuth(t *testing.T) {
	t.Parallel()
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		fmt.Fprint(w, `{"success":true,"errors":[],"messages":[],"result":[]}`)
	}))
	defer srv.Close()
	c, err := New("acct", "", WithAPIKey("me@x.dev", "key-123456"), WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Workers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Auth-Email") != "me@x.dev" || got.Get("X-Auth-Key") != "key-123456" || got.Get("Authorization") != "" {
		t.Fatalf("headers %v", got)
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		kind    error
		in      string // must appear in the message
		retried bool
	}{
		{"401", 401, nil, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`, ErrUnauthorized, "user-scoped", false},
		{"403 code 10000", 403, nil, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`, ErrForbidden, "add Workers CI Read", false},
		{"429 code 10000", 429, map[string]string{"Retry-After": "300"}, `{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`, ErrRateLimited, "rate limited", false},
		{"403 other", 403, nil, `{"success":false,"errors":[{"code":9109,"message":"no"}],"messages":[],"result":null}`, ErrForbidden, "permission", false},
		{"404", 404, nil, `{"success":false,"errors":[{"code":12000,"message":"Not found"}],"messages":[],"result":null}`, ErrNotFound, "12000", false},
		{"200 not found", 200, nil, `{"success":false,"errors":[{"code":12000,"message":"Not found"}],"messages":[],"result":null}`, ErrNotFound, "Not found", false},
		{"200 success false", 200, nil, `{"success":false,"errors":[{"code":10013,"message":"try again"}],"messages":[],"result":null}`, ErrRequest, "try again", false},
		{"429", 429, map[string]string{"Retry-After": "300"}, `{"success":false,"errors":[{"code":971,"message":"slow down"}],"messages":[],"result":null}`, ErrRateLimited, "971", false},
		{"500 json", 500, nil, `{"success":false,"errors":[{"code":10001,"message":"boom"}],"messages":[],"result":null}`, ErrServer, "boom", true},
		{"502 html", 502, map[string]string{"Content-Type": "text/html"}, "<!DOCTYPE html><title>502 \x1b]0;evil\x07Bad gateway</title>", ErrServer, "HTML page", true},
		{"garbage 200", 200, nil, `{"success": true, "result": {"builds": [`, ErrBadResponse, "malformed", true},
		{"empty 200", 200, nil, ``, ErrBadResponse, "empty body", true},
		{"result wrong shape", 200, nil, `{"success":true,"errors":[],"messages":[],"result":{"builds":[1,2]}}`, ErrBadResponse, "unexpected shape", false},
		{"error message with escapes", 400, nil, `{"success":false,"errors":[{"code":1,"message":"bad \u001b]52;c;eA==\u0007 thing"}],"messages":[],"result":null}`, ErrRequest, "bad  thing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, reqs := fixture(t, tt.status, tt.header, tt.body)
			_, err := c.LatestBuilds(context.Background(), []string{"t"})
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err %v, want kind %v", err, tt.kind)
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Status != tt.status {
				t.Fatalf("errors.As: %v status %v", ae, tt.status)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.in) {
				t.Errorf("message %q lacks %q", msg, tt.in)
			}
			if strings.Contains(msg, testToken) || strings.ContainsRune(msg, 0x1b) {
				t.Errorf("message leaks token or escapes: %q", msg)
			}
			if got := len(*reqs); (got > 1) != tt.retried {
				t.Errorf("%d requests; retried want %v", got, tt.retried)
			}
			if tt.kind == ErrRateLimited {
				if ae.RetryAfter != 300*time.Second {
					t.Errorf("RetryAfter %v", ae.RetryAfter)
				}
				// Blocked: the next call fails without a request.
				_, err := c.LatestBuilds(context.Background(), []string{"t"})
				if !errors.Is(err, ErrRateLimited) || len(*reqs) != 1 {
					t.Errorf("after 429: %v, %d requests", err, len(*reqs))
				}
			}
		})
	}
}

func TestDecodeTolerates(t *testing.T) {
	t.Parallel()
	c, _ := fixture(t, 200, nil, readFile(t, "build_odd.json"))
	b, err := c.Build(context.Background(), "3f1a8a5e-1b2c-4d3e-8f90-0a1b2c3d4e5f")
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != "rebuilding" || b.Outcome != "exploded" || b.State() != "rebuilding" {
		t.Errorf("unknown enums not kept: %q %q", b.Status, b.Outcome)
	}
	if b.RunningOn != nil || b.StoppedOn != nil || b.ModifiedOn.Nanosecond() != 123_000_000 {
		t.Errorf("times: %+v", b)
	}
	env := b.Meta.EnvironmentVariables
	if env["A"].Value != "1" || !env["SECRET"].IsSecret || env["B"].Value != "2" {
		t.Errorf("env vars %+v", env)
	}
	if b.WorkerTag != "dd7160bb9cef458093557736f4b9e75b" {
		t.Errorf("tag %q", b.WorkerTag)
	}
}

func TestLogTimestamps(t *testing.T) {
	t.Parallel()
	c, _ := fixture(t, 200, nil, readFile(t, "logs_seconds.json"))
	p, err := c.Log(context.Background(), "b", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{1636472400000, 1636472400500, 1636472401000, 1636472402500}
	for i, l := range p.Lines {
		if l.Time.UnixMilli() != want[i] {
			t.Errorf("line %d: %d, want %d", i, l.Time.UnixMilli(), want[i])
		}
	}
	if p.Cursor != "WzAsMzRd" || p.Truncated {
		t.Errorf("page %+v", p)
	}
}

func TestRedirectToOtherHostRefused(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	c, _ := New("acct", testToken, WithBaseURL(srv.URL), WithRetries(0, 0))
	if _, err := c.Workers(context.Background()); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("err %v", err)
	}
	if leaked.Load() {
		t.Fatal("Authorization sent to another host")
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ acct, tok, base, want string }{
		{"", "t", "", "account"},
		{"a", "", "", "CLOUDFLARE_API_TOKEN"},
		{"a", "t", "ftp://x", "http(s)"},
		{"a", "t", "::nope", "http(s)"},
	} {
		opts := []Option{}
		if tc.base != "" {
			opts = append(opts, WithBaseURL(tc.base))
		}
		if _, err := New(tc.acct, tc.tok, opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc, err)
		}
	}
}

// simClient starts a simulator on loopback and a client for it.
func simClient(t testing.TB, o sim.Options) (*Client, *sim.Sim, *simtest.ManualClock) {
	t.Helper()
	clock := simtest.NewManualClock(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
	o.Clock = clock
	if o.Quota == 0 {
		o.Quota = 1_000_000 // virtual time: see sim.Options.Quota
	}
	s := sim.New(o)
	sv, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sv.Close() })
	c, err := New(s.AccountID(), s.Token(), WithBaseURL(sv.URL), WithRetries(3, time.Millisecond), WithScheduler(NewScheduler(1_000_000)))
	if err != nil {
		t.Fatal(err)
	}
	return c, s, clock
}

func TestAgainstSimulator(t *testing.T) {
	t.Parallel()
	c, s, clock := simClient(t, sim.Options{Workers: 25, Seed: 3, PageSize: 7})
	clock.Advance(10 * time.Second)
	ctx := context.Background()
	workers, err := c.Workers(ctx)
	if err != nil || len(workers) != 25 {
		t.Fatalf("workers %d %v", len(workers), err)
	}
	var tags []string
	for _, w := range workers {
		tags = append(tags, w.Tag)
	}
	latest, err := c.LatestBuilds(ctx, tags)
	if err != nil || len(latest) != 25 {
		t.Fatalf("latest %d %v", len(latest), err)
	}
	if n := s.Requests()["latest"]; n != 2 {
		t.Errorf("25 tags took %d calls, want 2", n)
	}
	page, err := c.WorkerBuilds(ctx, tags[0], 1, 4)
	if err != nil || len(page.Builds) != 4 || !page.More() {
		t.Fatalf("history %+v %v", page.Info, err)
	}
	for i := 1; i < len(page.Builds); i++ {
		if page.Builds[i].CreatedOn.After(page.Builds[i-1].CreatedOn) {
			t.Fatal("history not newest first")
		}
	}
	b := page.Builds[len(page.Builds)-1] // long stopped: a whole log
	lines, err := c.ReadLog(ctx, b.UUID)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := s.LogText(b.UUID)
	if len(lines) != len(want) || len(want) < 10 {
		t.Fatalf("ReadLog %d lines, sim has %d", len(lines), len(want))
	}
	for i := range want {
		if lines[i].Text != want[i] {
			t.Fatalf("line %d: %q vs %q", i, lines[i].Text, want[i])
		}
	}
	if _, err := c.Build(ctx, "00000000-0000-4000-a000-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown build: %v", err)
	}
	if _, err := c.WorkerBuilds(ctx, workers[0].Name, 1, 10); !errors.Is(err, ErrNotFound) {
		t.Errorf("history by name: %v", err)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	c, s, _ := simClient(t, sim.Options{Seed: 4})
	ctx := context.Background()
	id := s.Inject(sim.Spec{Lines: []string{"a", "b"}, LineEvery: time.Minute})
	res, err := c.Cancel(ctx, id)
	if err != nil || res.Outcome != model.OutcomeCancelled || res.UUID != id {
		t.Fatalf("cancel %+v %v", res, err)
	}
	if _, err := c.Cancel(ctx, id); !errors.Is(err, ErrRequest) {
		t.Errorf("second cancel: %v", err)
	}
	if _, err := c.Cancel(ctx, "00000000-0000-4000-a000-000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	// A 5xx on cancel is not retried.
	id2 := s.Inject(sim.Spec{Lines: []string{"a"}, LineEvery: time.Minute})
	s.SetFaults(sim.Faults{Server5xx: 1})
	before := s.Requests()["total"]
	if _, err := c.Cancel(ctx, id2); !errors.Is(err, ErrServer) {
		t.Errorf("cancel under 5xx: %v", err)
	}
	if n := s.Requests()["total"] - before; n != 1 {
		t.Errorf("cancel sent %d times, want 1", n)
	}
}

func TestRetriesThroughFaults(t *testing.T) {
	t.Parallel()
	c, s, _ := simClient(t, sim.Options{Seed: 5})
	ctx := context.Background()
	for _, f := range []sim.Faults{{Server5xx: 0.5}, {HTML502: 0.5}, {Malformed: 0.5}, {Reset: 0.5}, {Truncated: 0.5}} {
		s.SetFaults(f)
		ok := 0
		for range 20 {
			if _, err := c.Workers(ctx); err == nil {
				ok++
			} else if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), s.Token()) {
				t.Fatalf("token in %v", err)
			}
		}
		// With three retries at 50% faults, almost every call gets through.
		if ok < 15 {
			t.Errorf("%+v: only %d of 20 calls succeeded", f, ok)
		}
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	b := NewScheduler(300, SchedulerClock(clock))
	for range 5 {
		tk, err := b.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b.Answered(tk, 200, nil, 0)
	}
	if b.Spent() != 5 || b.Limit() != 300 {
		t.Fatalf("spent %d limit %d", b.Spent(), b.Limit())
	}
	clock.Advance(BudgetWindow + time.Second)
	if b.Spent() != 0 {
		t.Fatalf("spent after the window: %d", b.Spent())
	}
}

func TestDebugLogHasNoToken(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprintf(w, "echo %s", r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	c, _ := New("acct", testToken, WithBaseURL(srv.URL), WithDebug(&buf), WithRetries(1, time.Millisecond))
	_, err := c.Workers(context.Background())
	if err == nil {
		t.Fatal("want error")
	}
	if strings.Contains(buf.String(), testToken) || strings.Contains(err.Error(), testToken) {
		t.Fatalf("token leaked: %q / %q", buf.String(), err)
	}
	if !strings.Contains(buf.String(), "HTTP 500") {
		t.Fatalf("debug log: %q", buf.String())
	}
}

// TestBadAnswers: odd but parseable answers decode or fail with a clear
// error; none panics.
func TestBadAnswers(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	big := `{"success":true,"errors":[],"messages":[],"result":{"builds":{}},"pad":"` + strings.Repeat("x", 10<<20) + `"}`
	huge := `{"pad":"` + strings.Repeat("x", 17<<20) + `"}`
	tests := []struct {
		name, body string
		kind       error // nil: no error
		in         string
	}{
		{"result null", `{"success":true,"errors":[],"messages":[],"result":null}`, nil, ""},
		{"array for object", `{"success":true,"errors":[],"messages":[],"result":[1,2]}`, ErrBadResponse, "unexpected shape"},
		{"an item that is not a build", `{"success":true,"errors":[],"messages":[],"result":{"builds":{"t":[]}}}`, nil, ""}, // skipped, the answer kept
		{"10 MB body", big, nil, ""},
		{"17 MB body", huge, ErrBadResponse, "larger than 16 MB"},
		{"deeply nested", `{"success":true,"errors":[],"messages":[],"result":` + deep + `}`, ErrBadResponse, ""},
		{"success missing", `{"result":{}}`, ErrBadResponse, "not Cloudflare's envelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := fixture(t, 200, nil, tt.body)
			_, err := c.LatestBuilds(context.Background(), []string{"t"})
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.in) {
				t.Fatalf("err %v, want %v containing %q", err, tt.kind, tt.in)
			}
			if len(err.Error()) > 600 {
				t.Fatalf("error of %d bytes: not one clear line", len(err.Error()))
			}
		})
	}
}

func TestTransportFailures(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	}))
	defer loop.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	for _, tc := range []struct{ name, base, want string }{
		{"TLS to a plain server", strings.Replace(plain.URL, "http://", "https://", 1), "cannot reach the API"},
		{"untrusted certificate", tlsSrv.URL, "certificate"},
		{"redirect loop", loop.URL, "redirects"},
		{"refused", "http://127.0.0.1:1", "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := New("acct", testToken, WithBaseURL(tc.base), WithRetries(1, time.Millisecond))
			_, err := c.Workers(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testToken) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLogLineShapes: the fast path and the general one agree.
func TestLogLineShapes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]model.LogLine{
		`[1700000000000, "plain"]`:         {Time: time.UnixMilli(1700000000000).UTC(), Text: "plain"},
		`[1700000000,"esc \u001b[31mred"]`: {Time: time.UnixMilli(1700000000000).UTC(), Text: "esc \x1b[31mred"},
		`[1, "a \"quoted\" word"]`:         {Time: time.UnixMilli(1000).UTC(), Text: `a "quoted" word`},
		`["1700000000000", "string time"]`: {Time: time.UnixMilli(1700000000000).UTC(), Text: "string time"},
		`[1, "a", "b"]`:                    {Time: time.UnixMilli(1000).UTC(), Text: "a"},
		`[1, 2]`:                           {Time: time.UnixMilli(1000).UTC(), Text: "2"},
		`[]`:                               {},
	} {
		var l wireLogLine
		if err := l.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !l.Time.Equal(want.Time) || l.Text != want.Text {
			t.Errorf("%s: %+v, want %+v", in, model.LogLine(l), want)
		}
	}
}

// A JSON 5xx (result: null) and then a good answer: every GET decodes the
// second answer afresh, and succeeds.
func TestRetryDecodesEachAnswerAfresh(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Options{Workers: 3, Seed: 3, PushEvery: -1})
	real := s
	var mu sync.Mutex
	failed := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !failed[r.URL.String()]
		failed[r.URL.String()] = true
		mu.Unlock()
		if first {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":1000,"message":"upstream"}],"messages":[],"result":null}`))
			return
		}
		real.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(s.AccountID(), s.Token(), WithBaseURL(srv.URL+"/client/v4"), WithRetries(2, time.Millisecond), WithScheduler(NewScheduler(100000)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ws, err := c.Workers(ctx)
	if err != nil || len(ws) == 0 {
		t.Fatalf("workers: %v %v", ws, err)
	}
	tags := []string{ws[0].Tag}
	latest, err := c.LatestBuilds(ctx, tags)
	if err != nil || len(latest) == 0 {
		t.Fatalf("latest builds: %v %v", latest, err)
	}
	b := latest[ws[0].Tag]
	if got, err := c.Build(ctx, b.UUID); err != nil || got.UUID != b.UUID {
		t.Fatalf("build: %+v %v", got, err)
	}
	if _, err := c.WorkerBuilds(ctx, ws[0].Tag, 1, 10); err != nil {
		t.Fatalf("history: %v", err)
	}
	if _, err := c.Log(ctx, b.UUID, ""); err != nil {
		t.Fatalf("log: %v", err)
	}
	if _, err := c.Triggers(ctx, ws[0]); err != nil {
		t.Fatalf("triggers: %v", err)
	}
	if _, err := c.Deployments(ctx, ws[0].Name); err != nil {
		t.Fatalf("deployments: %v", err)
	}
}

// Retrying cannot mend a 404: after a retried 5xx it is reported as what it
// is, without "try again later".
func TestNotFoundAfterRetryIsNotRetried(t *testing.T) {
	t.Parallel()
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":1000,"message":"oops"}],"messages":[],"result":null}`))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":12000,"message":"not found"}],"messages":[],"result":null}`))
	}))
	t.Cleanup(srv.Close)
	c, err := New("acct", testToken, WithBaseURL(srv.URL), WithRetries(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Build(context.Background(), "b1")
	if !errors.Is(err, ErrNotFound) || strings.Contains(err.Error(), "try again later") {
		t.Fatalf("got %v", err)
	}
	if Retryable(err) {
		t.Fatal("a 404 called retryable")
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&Error{Kind: ErrServer}, true},
		{&Error{Kind: ErrRateLimited}, true},
		{&Error{Kind: ErrBadResponse}, true},
		{&Error{Kind: ErrBadResponse, wellFormed: true}, false},
		{&netError{err: io.ErrUnexpectedEOF}, true},
		{fmt.Errorf("get build: %w", &Error{Kind: ErrNotFound}), false},
		{&Error{Kind: ErrUnauthorized}, false},
		{&Error{Kind: ErrForbidden}, false},
		{&Error{Kind: ErrRequest}, false},
		{ErrCursorLoop, false},
		{context.Canceled, false},
		{nil, false},
	} {
		if got := Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
