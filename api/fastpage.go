package api

import (
	"bytes"
	"encoding/json"

	"github.com/cfbuilds/cfbuilds/model"
)

// The fast path for log pages. A read of a long log is a hundred pages of a
// thousand lines, and the general decoder walks each page several times
// with encoding/json's state machine (to find the value, then to skip it,
// then ours); that was most of a read's time. Pages of the usual shape are
// split here in one pass of plain loops; anything unusual (escaped keys, a
// missing brace, trailing bytes) returns false and the general path reads
// the page as before, so the fast path changes speed, never meaning.

// decodeLogPageFast reads an answer holding a log page. ok is false when
// the answer is not of the usual shape. One pass: each member's value is
// read where it stands and says where it ends.
func decodeLogPageFast(body []byte, page *wireLogPage) (env envelope, ok bool) {
	var p wireLogPage
	// scalar reads a small value with the general decoder, once delimited.
	scalar := func(v []byte, read func([]byte)) int {
		n := valueEnd(v)
		if n <= 0 || !json.Valid(v[:n]) {
			return -1
		}
		read(v[:n])
		return n
	}
	n := walkObject(body, func(key string, v []byte) int {
		switch key {
		case "success":
			return scalar(v, func(v []byte) {
				var b flexBool
				if b.set(v) {
					s := bool(b)
					env.Success = &s
				}
			})
		case "errors":
			return scalar(v, func(v []byte) { env.Errors = decodeMessages(v) })
		case "result_info":
			return scalar(v, func(v []byte) { env.ResultInfo = decodeResultInfo(v) })
		case "result":
			if bytes.HasPrefix(v, []byte("null")) {
				return 4
			}
			return walkObject(v, func(key string, v []byte) int {
				switch key {
				case "lines":
					return p.Lines.fastSplit(v)
				case "cursor":
					return scalar(v, func(v []byte) { _ = p.Cursor.UnmarshalJSON(v) })
				case "truncated":
					return scalar(v, func(v []byte) { _ = p.Truncated.UnmarshalJSON(v) })
				case "events":
					return scalar(v, func(v []byte) { _ = p.Events.UnmarshalJSON(v) })
				}
				return valueEnd(v)
			})
		}
		return valueEnd(v)
	})
	if n <= 0 || skipWS(body, n) < len(body) {
		return env, false
	}
	*page = p
	return env, true
}

// fastSplit reads the lines array b starts with, strictly (each line a
// '[' value, then ',' or the end), each line with wireLogLine's own
// decoder. It returns the array's length, or -1.
func (w *wireLines) fastSplit(b []byte) int {
	if len(b) == 0 || b[0] != '[' {
		return -1
	}
	out := make([]model.LogLine, 0, bytes.Count(b, []byte("],"))+1)
	i := skipWS(b, 1)
	if i < len(b) && b[i] == ']' {
		*w = out
		return i + 1
	}
	for i < len(b) {
		if b[i] != '[' {
			return -1
		}
		n := valueEnd(b[i:])
		if n <= 0 {
			return -1
		}
		out = append(out, model.LogLine{})
		_ = (*wireLogLine)(&out[len(out)-1]).UnmarshalJSON(b[i : i+n])
		i = skipWS(b, i+n)
		switch {
		case i >= len(b):
			return -1
		case b[i] == ']':
			*w = out
			return i + 1
		case b[i] != ',':
			return -1
		}
		i = skipWS(b, i+1)
	}
	return -1
}

// walkObject walks the JSON object b starts with: for each member, f gets
// the key and the bytes from its value on, and returns the value's length
// (-1: not the usual shape). Keys with escapes are not the usual shape. It
// returns the object's length, or -1.
func walkObject(b []byte, f func(key string, value []byte) int) int {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for i < len(b) {
		if b[i] != '"' {
			return -1
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 {
			return -1
		}
		key := b[i+1 : i+1+end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return -1
		}
		i = skipWS(b, i+end+2)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return -1
		}
		n := f(string(key), b[i:])
		if n <= 0 {
			return -1
		}
		i = skipWS(b, i+n)
		switch {
		case i >= len(b):
			return -1
		case b[i] == '}':
			return i + 1
		case b[i] != ',':
			return -1
		}
		i = skipWS(b, i+1)
	}
	return -1
}

// skipWS is the index of the first non-space byte of b at or after i.
func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}
