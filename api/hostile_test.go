package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/cfbuilds/cfbuilds/model"
)

// hostile is what a hostile server puts in every string: a title change, a
// clipboard write, a screen clear, an 8-bit CSI and a bell.
const hostile = "\x1b]0;PWNED\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\u009b31m\a"

// poison adds hostile to every string value of a JSON document (not the
// keys), returning it and how many strings it changed.
func poison(t *testing.T, body string) (string, int) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(any) any
	walk = func(x any) any {
		switch y := x.(type) {
		case string:
			n++
			return y + hostile
		case []any:
			for i := range y {
				y[i] = walk(y[i])
			}
		case map[string]any:
			for k := range y {
				y[k] = walk(y[k])
			}
		}
		return x
	}
	out, _ := json.Marshal(walk(v))
	return string(out), n
}

// unsafeStrings lists every string reachable in v that holds an escape,
// a bell or a C1 control.
func unsafeStrings(v reflect.Value, path string, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		if s := v.String(); strings.ContainsAny(s, "\x1b\a\u009b") {
			*out = append(*out, path)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			unsafeStrings(v.Elem(), path, out)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "Source" {
				unsafeStrings(v.Field(i), path+"."+f.Name, out)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw bytes (the build as sent), never printed as text
		}
		for i := 0; i < v.Len(); i++ {
			unsafeStrings(v.Index(i), path+"[]", out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			unsafeStrings(k, path+"{key}", out)
			unsafeStrings(v.MapIndex(k), path+"{}", out)
		}
	}
}

// TestEveryFieldIsSanitizedWhereDecoded: with a hostile string in every
// string field of every real answer, no value the client returns holds an
// escape sequence, a bell or a C1 control (log text aside: the log store
// sanitizes it keeping its colour).
func TestEveryFieldIsSanitizedWhereDecoded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fields := 0
	cases := []struct {
		file, route string
		call        func(c *Client) (any, error)
	}{
		{"build-get-running.json", "GET /accounts/acct/builds/builds/x", func(c *Client) (any, error) { return c.Build(ctx, "x") }},
		{"builds-latest.json", "GET /accounts/acct/builds/builds/latest", func(c *Client) (any, error) { return c.LatestBuilds(ctx, []string{"t"}) }},
		{"builds-by-worker.json", "GET /accounts/acct/builds/workers/t/builds", func(c *Client) (any, error) { return c.WorkerBuilds(ctx, "t", 1, 2) }},
		{"triggers-by-worker.json", "GET /accounts/acct/builds/workers/t/triggers", func(c *Client) (any, error) { return c.Triggers(ctx, model.Worker{Tag: "t"}) }},
		{"tokens-list.json", "GET /accounts/acct/builds/tokens", func(c *Client) (any, error) { return c.BuildTokens(ctx) }},
		{"token-verify.json", "GET /user/tokens/verify", func(c *Client) (any, error) { return c.VerifyToken(ctx) }},
		{"build-create-manual.json", "POST /accounts/acct/builds/triggers/t/builds", func(c *Client) (any, error) {
			return c.CreateBuild(ctx, "t", BuildRequest{Branch: "main"})
		}},
		{"logs-page.json", "GET /accounts/acct/builds/builds/x/logs", func(c *Client) (any, error) {
			p, err := c.Log(ctx, "x", "")
			p.Lines = nil // log text is the store's to sanitize
			p.Cursor = "" // opaque, sent back exactly, never shown
			return p, err
		}},
		{"error-403-missing-permission.json", "GET /accounts/acct/builds/builds/y", func(c *Client) (any, error) {
			_, err := c.Build(ctx, "y")
			return err.Error(), nil
		}},
	}
	for _, tc := range cases {
		body, n := poison(t, realFile(t, tc.file))
		fields += n
		status := 200
		if strings.HasPrefix(tc.file, "error-") {
			status = 403
		}
		c, _ := routed(t, map[string]route{tc.route: {status, body}})
		got, err := tc.call(c)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		var bad []string
		unsafeStrings(reflect.ValueOf(got), tc.file, &bad)
		if len(bad) > 0 {
			t.Errorf("%s: raw control characters in %v", tc.file, bad)
		}
	}
	t.Logf("%d hostile string fields across %d answers", fields, len(cases))
}

// TestSecretNeverInPart: a body that echoes the token right where the
// excerpt is cut prints no part of it; nor does one that echoes it whole.
func TestSecretNeverInPart(t *testing.T) {
	t.Parallel()
	for _, at := range []int{0, 40, 55, 60, 70, 79} {
		body := strings.Repeat("a", at) + "Bearer " + testToken + " and more text to pass the cut of eighty characters"
		c, _ := fixture(t, 502, map[string]string{"Content-Type": "text/plain"}, body)
		c.retries = 0
		_, err := c.Workers(context.Background())
		msg := err.Error()
		for k := 6; k <= len(testToken); k++ {
			if strings.Contains(msg, testToken[:k]) {
				t.Errorf("token cut at %d: %d of its characters printed: %q", at, k, msg)
				break
			}
		}
	}
}

// logServer answers log reads with page(cursor) and counts them.
func logServer(t *testing.T, page func(cursor string) string) (*Client, *int) {
	t.Helper()
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if strings.HasSuffix(r.URL.Path, "/logs") {
			_, _ = io.WriteString(w, `{"success":true,"errors":[],"messages":[],"result":`+page(r.URL.Query().Get("cursor"))+`}`)
			return
		}
		_, _ = io.WriteString(w, `{"success":true,"errors":[],"messages":[],"result":{"build_uuid":"b","status":"running"}}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New("acct", testToken, WithBaseURL(srv.URL), WithRetries(0, 0), WithScheduler(NewScheduler(1_000_000)))
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

// TestCursorLoopEnds: a log whose cursor alternates between two values
// with truncated: true ends the read with a clear error, each page once.
func TestCursorLoopEnds(t *testing.T) {
	t.Parallel()
	c, n := logServer(t, func(cursor string) string {
		next := map[string]string{"": "A", "A": "B", "B": "A"}[cursor]
		return `{"cursor":"` + next + `","truncated":true,"lines":[[1784052295481,"page ` + cursor + `"]]}`
	})
	lines, err := c.ReadLog(context.Background(), "b")
	if !errors.Is(err, ErrCursorLoop) || len(lines) != 3 || *n != 3 {
		t.Fatalf("read: %d lines, %d requests, %v", len(lines), *n, err)
	}
	_, err = c.Step(context.Background(), model.Tail{UUID: "b"}, false)
	if !errors.Is(err, ErrCursorLoop) {
		t.Fatalf("step: %v", err)
	}
}

// TestRepeatedPagesDoNotMultiply: an API that answers every cursor with the
// whole log again delivers each line once, however often it is followed.
func TestRepeatedPagesDoNotMultiply(t *testing.T) {
	t.Parallel()
	whole := `{"cursor":"c","truncated":false,"lines":[[1,"one"],[2,"two"],[3,"three"],[4,"four"],[5,"five"]]}`
	c, _ := logServer(t, func(string) string { return whole })
	tail := model.Tail{UUID: "b"}
	var got []string
	for range 20 {
		step, err := c.Step(context.Background(), tail, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range step.Lines {
			got = append(got, l.Text)
		}
		tail = step.Tail
	}
	if strings.Join(got, ",") != "one,two,three,four,five" {
		t.Fatalf("delivered %d lines: %v", len(got), got)
	}
}

// TestAbsurdTimesAreUnknown: a year -99999, a year 90000 or an epoch of
// 1e308 is read as an unknown time, not a wrapped-around one.
func TestAbsurdTimesAreUnknown(t *testing.T) {
	t.Parallel()
	for _, v := range []string{`"-99999-01-01T00:00:00Z"`, `"90000-01-01T00:00:00Z"`, `1e308`, `-5`, `"garbage"`} {
		var f flexTime
		if err := f.UnmarshalJSON([]byte(v)); err != nil || f.t != nil {
			t.Errorf("%s: %v, %v", v, f.t, err)
		}
	}
	var ok flexTime
	_ = ok.UnmarshalJSON([]byte(`1784052295481`))
	if ok.t == nil || ok.t.Year() != 2026 {
		t.Errorf("a real millisecond time: %v", ok.t)
	}
}

// TestReadLogPagesStreams: each page reaches the caller before the next is
// asked for, and an error from the caller stops the read.
func TestReadLogPagesStreams(t *testing.T) {
	t.Parallel()
	var asked []string
	c, _ := logServer(t, func(cursor string) string {
		asked = append(asked, cursor)
		next := map[string]string{"": "1", "1": "2", "2": ""}[cursor]
		return `{"cursor":"` + next + `","truncated":` + fmt.Sprint(next != "") + `,"lines":[[1,"page ` + cursor + `"]]}`
	})
	var got []string
	err := c.ReadLogPages(context.Background(), "b", func(lines []model.LogLine) error {
		got = append(got, fmt.Sprintf("%s after %d asks", lines[0].Text, len(asked)))
		return nil
	})
	if err != nil || strings.Join(got, ",") != "page  after 1 asks,page 1 after 2 asks,page 2 after 3 asks" {
		t.Fatalf("%v %v", got, err)
	}
	stop := errors.New("the pipe closed")
	asked = nil
	if err := c.ReadLogPages(context.Background(), "b", func([]model.LogLine) error { return stop }); !errors.Is(err, stop) || len(asked) != 1 {
		t.Fatalf("a failing writer: %v after %d pages", err, len(asked))
	}
}

// TestUnquoteJSONAgreesWithEncodingJSON: the log line fast path decodes
// strings exactly as encoding/json does.
func TestUnquoteJSONAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"plain", "\x1b[31mred\x1b[0m", "tab\there", "quote \" and \\\\ and /", "日本語 ✓", "😀 pair",
		"\u2028 line sep", "\b\f\n\r", "bad \xff utf8"} {
		enc, _ := json.Marshal(s)
		for _, body := range []string{string(enc[1 : len(enc)-1]), `\ud83d\ude00 \/ \u00e9 \ud800 lone`} {
			var want string
			_ = json.Unmarshal([]byte(`"`+body+`"`), &want)
			got, ok := unquoteJSON([]byte(body))
			if !ok || got != want {
				t.Errorf("%q: %q %v, encoding/json says %q", body, got, ok, want)
			}
		}
	}
	for _, bad := range []string{`\x`, `\u12`, "raw\x01ctl", `end\`} {
		if _, ok := unquoteJSON([]byte(bad)); ok {
			t.Errorf("%q taken", bad)
		}
	}
}
