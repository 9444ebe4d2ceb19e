package commitstatus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPostFinal: a final post is tried again while the forge answers 5xx
// or 429, and only then; a refusal or a redirect is said at once, the
// redirect never followed (the token stays home).
func TestPostFinal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		answers  []int // the forge's answers in turn; the last repeats
		wantErr  string
		wantPost int
	}{
		{"a 500 then taken", []int{500, 201}, "", 2},
		{"a 429 twice then taken", []int{429, 429, 201}, "", 3},
		{"5xx for a whole minute", []int{503}, "answered HTTP 503", 8},
		{"a redirect", []int{302}, "answered a redirect (HTTP 302 to http://127.0.0.1:1/elsewhere)", 1},
		{"a refusal", []int{401}, "refused the token (HTTP 401)", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var posts, elsewhere atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					elsewhere.Add(1)
					return
				}
				n := int(posts.Add(1))
				code := tc.answers[min(n, len(tc.answers))-1]
				if code == 302 {
					w.Header().Set("Location", "http://127.0.0.1:1/elsewhere?token=x")
				}
				w.WriteHeader(code)
			}))
			defer srv.Close()
			var slept time.Duration
			p, err := New(Options{Kind: "github", APIURL: srv.URL, Token: "t0ken", Repo: "acme/api", SHA: strings.Repeat("a", 40),
				After: func(d time.Duration) <-chan time.Time {
					slept += d
					c := make(chan time.Time, 1)
					c <- time.Time{}
					return c
				}})
			if err != nil {
				t.Fatal(err)
			}
			err = p.PostFinal(context.Background(), Status{State: Success, Description: "ok", Context: "cfbuilds"})
			if (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if int(posts.Load()) != tc.wantPost || elsewhere.Load() != 0 || slept > finalWithin {
				t.Fatalf("%d posts (want %d), %d followed redirects, %s waited", posts.Load(), tc.wantPost, elsewhere.Load(), slept)
			}
			if err != nil && strings.Contains(err.Error(), "t0ken") {
				t.Fatalf("the token in an error: %v", err)
			}
		})
	}
}
