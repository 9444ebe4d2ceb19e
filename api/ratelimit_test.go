package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cfbuilds/cfbuilds/api/sim"
	"github.com/cfbuilds/cfbuilds/model"
)

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rl, policy string
		want       rateLimitHeader
		ok         bool
	}{
		{`"default";r=50;t=30`, `"default";q=1200;w=300`, rateLimitHeader{50, 30, 1200, 300}, true},
		{`"default";r=0;t=300`, ``, rateLimitHeader{0, 300, CloudflareBudget, 0}, true},
		{`"default";r=7;t=12, "other";r=1;t=1`, `"default";q=100;w=60`, rateLimitHeader{7, 12, 100, 60}, true},
		{`"default"; r=9 ; t=4`, ``, rateLimitHeader{9, 4, CloudflareBudget, 0}, true},
		{``, `"default";q=1200;w=300`, rateLimitHeader{}, false},
		{`"default";t=30`, ``, rateLimitHeader{}, false},
		{`"default";r=-1;t=30`, ``, rateLimitHeader{}, false},
		{`garbage`, `garbage`, rateLimitHeader{}, false},
	} {
		h := http.Header{}
		if tt.rl != "" {
			h.Set("Ratelimit", tt.rl)
		}
		if tt.policy != "" {
			h.Set("Ratelimit-Policy", tt.policy)
		}
		got, ok := parseRateLimit(h)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("%q %q: %+v %v, want %+v %v", tt.rl, tt.policy, got, ok, tt.want, tt.ok)
		}
	}
}

// TestClientSeesTheSharedBudget: another client spends from the same user's
// budget; this client's next answer reports what remains, and slows down.
func TestClientSeesTheSharedBudget(t *testing.T) {
	t.Parallel()
	c, s, _ := simClient(t, sim.Options{Seed: 1, RateLimit: 100, PushEvery: -1})
	other, _ := New(s.AccountID(), s.Token(), WithBaseURL(c.base.String()), WithScheduler(NewScheduler(1_000_000)))
	ctx := context.Background()
	for range 75 { // leaves 25: the other client is not slowed yet
		if _, err := other.Workers(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Workers(ctx); err != nil {
		t.Fatal(err)
	}
	u := c.Usage()
	if !u.Reported || u.Remaining != 24 || u.Quota != 100 || !u.Slowed || u.Spent != 1 {
		t.Fatalf("usage %+v, want 24 of 100 left, slowed, 1 spent by this client", u)
	}
}

// TestHealthWhileRetrying: while a GET is being retried, Health says calls
// are failing, since when and when the next try goes; a success clears it.
func TestHealthWhileRetrying(t *testing.T) {
	t.Parallel()
	fails := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fails > 0 {
			fails--
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
			return
		}
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[]}`))
	}))
	defer srv.Close()
	c, err := New("acct", testToken, WithBaseURL(srv.URL), WithRetries(3, time.Second), WithScheduler(NewScheduler(1_000_000)))
	if err != nil {
		t.Fatal(err)
	}
	var seen []model.Health
	c.sleep = func(context.Context, time.Duration) error {
		seen = append(seen, c.Health())
		return nil
	}
	if _, err := c.Workers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || !seen[0].Failing || !strings.Contains(seen[0].Err, "502") || seen[0].NextTry.IsZero() ||
		!seen[1].Since.Equal(seen[0].Since) {
		t.Fatalf("health while retrying: %+v", seen)
	}
	if c.Health().Failing {
		t.Fatal("still failing after a success")
	}
}

// TestBudgetWaitIsNotATimeout: a read of more pages than the budget's burst
// goes on at the budget's pace past the caller's deadline; only a cancel
// stops it.
func TestBudgetWaitIsNotATimeout(t *testing.T) {
	t.Parallel()
	c, n := logServer(t, func(cursor string) string {
		i := 0
		fmt.Sscan(cursor, &i)
		if i >= 12 {
			return `{"cursor":"end","truncated":false,"lines":[[1,"last"]]}`
		}
		return fmt.Sprintf(`{"cursor":"%d","truncated":true,"lines":[[1,"page %d"]]}`, i+1, i)
	})
	c.sched = NewScheduler(600, SchedulerBurst(10)) // 2 a second, a burst of 10: 13 pages need the budget's pace
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	lines, err := c.ReadLog(ctx, "b")
	if err != nil || len(lines) != 13 {
		t.Fatalf("read %d lines, %d requests: %v", len(lines), *n, err)
	}
	stop, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if _, err := c.ReadLog(stop, "b"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled read: %v", err)
	}
}
