package api

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bodies through the envelope, build and log-page
// decoders: they must never panic, and an error must never carry the token or
// an escape sequence.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"success":true,"errors":[],"messages":[],"result":{"cursor":"x","truncated":true,"lines":[[1,"a"],[1700000000000,"b"]]}}`,
		`{"success":false,"errors":[{"code":10000,"message":"no"}],"messages":[],"result":null}`,
		`{"success":true,"errors":[],"messages":[],"result":{"build_uuid":"u","status":"running","build_outcome":null,"created_on":1.5}}`,
		`<!DOCTYPE html><p>502</p>`,
		`{"success": true, "result": {"lines": [[`,
		`{"success":true,"result":{"builds":{"t":{"trigger":{"external_script_id":5}}}}}`,
	}
	for _, s := range seeds {
		f.Add(s, 200)
	}
	f.Add(`{"success":false,"errors":[{"code":12000,"message":"x"}]}`, 404)
	c, err := New("acct", testToken)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, status int) {
		if status < 100 || status > 599 {
			status = 200
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		var page wireLogPage
		var build wireBuild
		for _, out := range []any{&page, &build, nil} {
			_, e := c.decode("GET", "/p", resp, []byte(body), out)
			if e != nil {
				msg := e.Error()
				if strings.Contains(msg, testToken) || strings.ContainsRune(msg, 0x1b) {
					t.Fatalf("unsafe error %q", msg)
				}
			}
		}
		_ = build.model()
		for _, l := range page.Lines {
			_ = l.Time.UnixMilli()
		}
	})
}

// FuzzFastPageMatchesGeneral: whenever the fast log-page path takes an
// answer, it reads what encoding/json's general path reads from it.
func FuzzFastPageMatchesGeneral(f *testing.F) {
	for _, s := range []string{
		`{"success":true,"errors":[],"messages":[],"result":{"cursor":"x","truncated":true,"lines":[[1,"a"],[1700000000000,"b\u001b[31m"]]}}`,
		` { "result" : { "lines" : [ [ 1 , "a" ] ] , "truncated" : false , "cursor" : null } , "success" : true } `,
		`{"success":true,"result":{"lines":[[1.5e12,"x"],["2026-01-01T00:00:00Z","y"],{"odd":1}],"events":[{"type":"initializing"}]}}`,
		`{"success":true,"result":null}`,
		`{"success":true,"result":{"lines":[]},"result_info":{"page":1}}`,
		`{"success":true,"result":{"lines":[[1,"a\"b"],[2,"c\\"]]}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var fast wireLogPage
		fenv, ok := decodeLogPageFast([]byte(body), &fast)
		if !ok {
			return
		}
		var gen wireLogPage
		genv, _, err := decodeEnvelopeGeneral([]byte(body), &gen)
		if err != nil {
			// The fast path may take a body encoding/json refuses only
			// where the refusal is inside a line's text (a raw control
			// character), which the sanitizer removes anyway.
			return
		}
		if (fenv.Success == nil) != (genv.Success == nil) || fenv.Success != nil && *fenv.Success != *genv.Success {
			t.Fatalf("success: fast %v, general %v", fenv.Success, genv.Success)
		}
		if fast.Cursor != gen.Cursor || fast.Truncated != gen.Truncated || len(fast.Lines) != len(gen.Lines) {
			t.Fatalf("fast %+v\ngeneral %+v", fast, gen)
		}
		for i := range fast.Lines {
			if fast.Lines[i] != gen.Lines[i] {
				t.Fatalf("line %d: fast %+v, general %+v", i, fast.Lines[i], gen.Lines[i])
			}
		}
	})
}
