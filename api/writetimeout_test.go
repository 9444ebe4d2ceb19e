package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestWriteAnsweredTooLate (#29.16): a cancel that reached the server but
// whose answer never came is not called "cannot reach the API": it may
// have been carried out, and the error says how to check; it is sent once.
func TestWriteAnsweredTooLate(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var puts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodPut {
			puts.Add(1)
		}
		select { // the answer never comes in time
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New("0123456789abcdef0123456789abcdef", "tok", WithBaseURL(srv.URL), WithTimeout(100*time.Millisecond), WithScheduler(NewScheduler(0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Cancel(context.Background(), "5c1f0e2a-6b7d-4e8f-9a0b-1c2d3e4f5a6b")
	var ne *netError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "it may have been carried out") || !strings.Contains(err.Error(), "cfbuilds list") ||
		strings.Contains(err.Error(), "cannot reach") || puts.Load() != 1 {
		t.Fatalf("%d PUTs: %v", puts.Load(), err)
	}
}

// TestSlowAnswerIsSaid (#29.14): a server that takes the connection and
// never answers is said while the request waits, with which try it is.
func TestSlowAnswerIsSaid(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New("0123456789abcdef0123456789abcdef", "tok", WithBaseURL(srv.URL), WithTimeout(300*time.Millisecond),
		WithRetries(1, time.Millisecond), WithScheduler(NewScheduler(0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var said []string
	c.OnSlowAnswer(50*time.Millisecond, func(method, path string, try, tries int) {
		said = append(said, fmt.Sprintf("%s %d/%d", method, try, tries))
	})
	if _, err := c.Workers(context.Background()); err == nil {
		t.Fatal("a server that never answers answered")
	}
	if len(said) < 2 || said[0] != "GET 1/2" || said[len(said)-1] != "GET 2/2" {
		t.Fatalf("said %v", said)
	}
}

// TestWorkerNameEscaped (#29.24): a Worker name is escaped in the URL,
// never changed into another name.
func TestWorkerNameEscaped(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.EscapedPath()
		_, _ = io.WriteString(w, `{"success":true,"errors":[],"messages":[],"result":{"deployments":[]}}`)
	}))
	defer srv.Close()
	c, err := New("0123456789abcdef0123456789abcdef", "tok", WithBaseURL(srv.URL), WithScheduler(NewScheduler(0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Deployments(context.Background(), "we/ird name?x=1#.."); err != nil {
		t.Fatal(err)
	}
	if p := <-got; !strings.HasSuffix(p, "/workers/scripts/we%2Fird%20name%3Fx=1%23../deployments") {
		t.Fatalf("path %s", p)
	}
}
