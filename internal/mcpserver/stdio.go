package mcpserver

// The stdio guard: the SDK's stdio transport ends the session on the first
// line it cannot decode. An agent's client (or a person trying the server
// by hand) sends a stray line now and then; one bad line must get a
// JSON-RPC error and the server must go on. And when stdin ends, the
// answers still being worked out are written before the server exits.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxLine is the longest line the guard reads; a longer one is answered
// -32700 and skipped (the SDK's own cap is 4 MB too).
const maxLine = 4 << 20

// Stdio is the guard between stdin/stdout and the SDK's IOTransport.
type Stdio struct {
	in  *bufio.Reader
	out io.Writer

	mu      sync.Mutex
	cond    *sync.Cond
	pending map[string]bool // ids of requests not yet answered
	buf     []byte          // a checked line the SDK has not read yet
	ended   bool
}

// NewStdio guards in and out.
func NewStdio(in io.Reader, out io.Writer) *Stdio {
	s := &Stdio{in: bufio.NewReaderSize(in, 64<<10), out: out, pending: map[string]bool{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Transport is the SDK's stdio transport over the guard.
func (s *Stdio) Transport() *mcp.IOTransport {
	return &mcp.IOTransport{Reader: readCloser{s}, Writer: writeCloser{s}}
}

// Read gives the SDK the next well-formed line; lines that are not
// JSON-RPC are answered here and never reach it. At the end of stdin it
// waits until every request read has been answered.
func (s *Stdio) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		line, err := s.readLine()
		if err != nil {
			s.drain()
			return 0, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if resp := s.check(line); resp != nil {
			s.write(resp)
			continue
		}
		s.buf = append(line, '\n')
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// readLine reads one line without its newline; a line over maxLine comes
// back as a lone "{" so it is answered as unparseable.
func (s *Stdio) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := s.in.ReadSlice('\n')
		if len(line)+len(chunk) <= maxLine {
			line = append(line, chunk...)
		} else {
			line = []byte("{")
		}
		switch {
		case err == nil:
			return bytes.TrimRight(line, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(line) > 0:
			return bytes.TrimRight(line, "\r\n"), nil
		default:
			return nil, err
		}
	}
}

// envelope is what the guard reads of a message.
type envelope struct {
	JSONRPC *string         `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Result  json.RawMessage `json:"result"`
	Error   json.RawMessage `json:"error"`
}

// check returns the error answer for a line that is not one JSON-RPC 2.0
// message, or nil (and notes a request's id as pending).
func (s *Stdio) check(line []byte) []byte {
	if !json.Valid(line) {
		return rpcError(nil, -32700, "parse error: the line is not JSON")
	}
	trimmed := bytes.TrimSpace(line)
	if trimmed[0] != '{' {
		return rpcError(nil, -32600, "invalid request: want one JSON-RPC 2.0 object a line (batches are not supported)")
	}
	var e envelope
	if err := json.Unmarshal(trimmed, &e); err != nil {
		return rpcError(nil, -32600, "invalid request: "+err.Error())
	}
	id := e.ID
	if len(id) > 0 && id[0] != '"' && (id[0] < '0' || id[0] > '9') && id[0] != '-' {
		return rpcError(nil, -32600, "invalid request: id must be a string or a number")
	}
	switch {
	case e.JSONRPC == nil || *e.JSONRPC != "2.0":
		return rpcError(id, -32600, `invalid request: "jsonrpc" must be "2.0"`)
	case e.Method == nil && len(id) == 0:
		return rpcError(nil, -32600, "invalid request: no method and no id")
	case e.Method == nil && e.Result == nil && e.Error == nil:
		return rpcError(id, -32600, "invalid request: no method")
	}
	if e.Method != nil && len(id) > 0 {
		s.mu.Lock()
		s.pending[string(id)] = true
		s.mu.Unlock()
	}
	return nil
}

func rpcError(id json.RawMessage, code int, msg string) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg}})
	return append(b, '\n')
}

// Write passes the SDK's messages out (each is one whole line), noting
// the requests they answer.
func (s *Stdio) Write(p []byte) (int, error) {
	var e envelope
	if json.Unmarshal(p, &e) == nil && e.Method == nil && len(e.ID) > 0 {
		s.mu.Lock()
		delete(s.pending, string(e.ID))
		s.cond.Broadcast()
		s.mu.Unlock()
	}
	return s.write(p)
}

func (s *Stdio) write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

// drain waits until every pending request is answered, or Close.
func (s *Stdio) drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.pending) > 0 && !s.ended {
		s.cond.Wait()
	}
}

// Close ends a drain (the server stopped: nothing more will be answered).
func (s *Stdio) Close() {
	s.mu.Lock()
	s.ended = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// RunStdio serves over the guarded stdin and stdout until stdin ends (and
// what it asked is answered) or ctx ends.
func (s *Server) RunStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	g := NewStdio(in, out)
	stop := context.AfterFunc(ctx, g.Close)
	defer stop()
	defer g.Close()
	return s.Run(ctx, g.Transport())
}

type readCloser struct{ s *Stdio }

func (r readCloser) Read(p []byte) (int, error) { return r.s.Read(p) }
func (r readCloser) Close() error               { return nil }

type writeCloser struct{ s *Stdio }

func (w writeCloser) Write(p []byte) (int, error) { return w.s.Write(p) }
func (w writeCloser) Close() error                { return nil }
