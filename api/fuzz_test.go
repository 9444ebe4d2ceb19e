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
