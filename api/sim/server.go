package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a simulator listening on a real socket.
type Server struct {
	// URL is the API base URL to give the client (…/client/v4).
	URL string
	srv *http.Server
	ln  net.Listener
}

// Listen serves the simulator on addr ("127.0.0.1:0" picks a free port).
func (s *Sim) Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	sv := &Server{
		URL: "http://" + ln.Addr().String() + "/client/v4",
		srv: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		ln:  ln,
	}
	go func() {
		if err := sv.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under us: nothing to report to
		}
	}()
	return sv, nil
}

// Addr is the address the server listens on.
func (sv *Server) Addr() string { return sv.ln.Addr().String() }

// Close stops the server and drops open connections.
func (sv *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := sv.srv.Shutdown(ctx); err != nil {
		return sv.srv.Close()
	}
	return nil
}
