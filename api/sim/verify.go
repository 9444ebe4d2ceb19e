package sim

import "net/http"

// The token verify endpoints: /user/tokens/verify for user API tokens and
// /accounts/{id}/tokens/verify for Account API tokens, each refusing the
// other kind (401, code 1000) as Cloudflare does (API.md, "Account API
// tokens").

func (s *Sim) serveUserVerify(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	down := s.verifyDown
	s.mu.Unlock()
	switch {
	case down == http.StatusNotFound:
		writeError(w, down, 7000, "No route for that URI")
	case down != 0:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(down)
		_, _ = w.Write([]byte("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"))
	case s.isAccountToken(r):
		writeError(w, http.StatusUnauthorized, 1000, "Invalid API Token")
	default:
		s.serveVerified(w)
	}
}

func (s *Sim) serveAccountVerify(w http.ResponseWriter, r *http.Request) {
	if !s.isAccountToken(r) {
		writeError(w, http.StatusUnauthorized, 1000, "Invalid API Token")
		return
	}
	s.serveVerified(w)
}

func (s *Sim) serveVerified(w http.ResponseWriter) {
	writeEnvelopeMessages(w, http.StatusOK, true, nil,
		[]any{map[string]any{"code": 10000, "message": "This API Token is valid and active", "type": nil}},
		map[string]any{"id": "d07b2a25f05151591830c45053186979", "status": "active"}, nil)
}

func (s *Sim) isAccountToken(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer "+s.opts.AccountToken
}

// SetVerifyDown makes /user/tokens/verify answer with status (404: no
// such route; another: an HTML error page); 0 mends it.
func (s *Sim) SetVerifyDown(status int) {
	s.mu.Lock()
	s.verifyDown = status
	s.mu.Unlock()
}
