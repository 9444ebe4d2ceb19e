package sim

import (
	"net/http"
	"time"
)

// Faults are failures the simulator injects, each with its probability per
// request (0 to 1). Latency adds up to that much delay to every request.
type Faults struct {
	Latency      time.Duration
	Server5xx    float64 // 500/503 with a JSON error envelope
	HTML502      float64 // 502 with an HTML page, as Cloudflare's edge sends
	Malformed    float64 // 200 with broken JSON
	SuccessFalse float64 // 200 with success:false
	Reset        float64 // the connection is reset without an answer
	Truncated    float64 // the body stops half way
}

type fault int

const (
	faultNone fault = iota
	fault5xx
	faultHTML
	faultMalformed
	faultSuccessFalse
	faultReset
	faultTruncated
)

// pick draws the fault for one request and its latency. Called under s.mu.
func (s *Sim) pick() (fault, time.Duration) {
	f := s.faults
	var lat time.Duration
	if f.Latency > 0 {
		lat = time.Duration(s.faultRng.Int64N(int64(f.Latency)))
	}
	r := s.faultRng.Float64()
	for _, c := range []struct {
		p float64
		f fault
	}{{f.Server5xx, fault5xx}, {f.HTML502, faultHTML}, {f.Malformed, faultMalformed}, {f.SuccessFalse, faultSuccessFalse}, {f.Reset, faultReset}, {f.Truncated, faultTruncated}} {
		if r < c.p {
			return c.f, lat
		}
		r -= c.p
	}
	return faultNone, lat
}

const htmlPage = `<!DOCTYPE html>
<html><head><title>502 Bad Gateway | api.cloudflare.com | Cloudflare</title></head>
<body><h1>Error 502</h1><p>Bad gateway</p><p>Ray ID: 8e1f0c2b9a7d4e31</p></body></html>
`

// serveFault writes the fault's answer; it reports false for faultNone and
// for faultTruncated (which the caller applies to the real body).
func serveFault(w http.ResponseWriter, f fault) bool {
	switch f {
	case fault5xx:
		writeError(w, http.StatusServiceUnavailable, 10013, "Service temporarily unavailable")
	case faultHTML:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(htmlPage))
	case faultMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success": true, "errors": [], "result": {"builds": {"x": [`))
	case faultSuccessFalse:
		writeEnvelope(w, http.StatusOK, false, []apiError{{Code: 10013, Message: "Internal error, please retry"}}, nil, nil)
	case faultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
					_ = tc.SetLinger(0)
				}
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	default:
		return false
	}
	return true
}
