package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// envelope is Cloudflare's answer around every result. Only success and
// result decide whether an answer is good: errors, messages and result_info
// are read tolerantly, so an unexpected type in one of them (messages as
// objects, next_page as a boolean or a number, a string where a number was
// expected) never throws a good result away.
type envelope struct {
	Success    *bool
	Errors     []Message
	ResultInfo *ResultInfo // result itself is decoded straight into its value
}

// decodeEnvelopeInto reads an answer in one pass: the envelope's parts
// tolerantly, and result straight into out (nil: skipped), so a large log
// page is not scanned again and again. It fails only when the body is not
// a JSON object; resultErr says result did not fit out.
func decodeEnvelopeInto(body []byte, out any) (env envelope, resultErr, err error) {
	if page, ok := out.(*wireLogPage); ok {
		if env, ok := decodeLogPageFast(body, page); ok {
			return env, nil, nil
		}
	}
	return decodeEnvelopeGeneral(body, out)
}

// decodeEnvelopeGeneral is decodeEnvelopeInto for any answer, with
// encoding/json.
func decodeEnvelopeGeneral(body []byte, out any) (env envelope, resultErr, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil {
		return env, nil, err
	} else if d, ok := tok.(json.Delim); !ok || d != '{' {
		return env, nil, errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return env, nil, err
		}
		key, _ := tok.(string)
		if key == "result" && out != nil {
			if err := dec.Decode(out); err != nil {
				var te *json.UnmarshalTypeError
				if !errors.As(err, &te) {
					return env, nil, err // broken JSON: the decoder cannot go on
				}
				resultErr = err
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return env, nil, err
		}
		switch key {
		case "success":
			var b flexBool
			if b.set(raw) {
				ok := bool(b)
				env.Success = &ok
			}
		case "errors":
			env.Errors = decodeMessages(raw)
		case "result_info":
			env.ResultInfo = decodeResultInfo(raw)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return env, nil, err
	}
	return env, resultErr, nil
}

// decodeMessages reads the errors array: objects with a code and a message,
// or bare strings; anything else is skipped.
func decodeMessages(b json.RawMessage) []Message {
	var items []json.RawMessage
	if len(b) == 0 || json.Unmarshal(b, &items) != nil {
		return nil
	}
	out := make([]Message, 0, len(items))
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			out = append(out, Message{Message: s})
			continue
		}
		var m struct {
			Code    flexFloat  `json:"code"`
			Message flexString `json:"message"`
		}
		if json.Unmarshal(it, &m) == nil {
			out = append(out, Message{Code: int(m.Code), Message: string(m.Message)})
		}
	}
	return out
}

// ResultInfo is the paging block of list answers.
type ResultInfo struct {
	Page       int
	PerPage    int
	Count      int
	TotalCount int
	TotalPages int
	// NextPage is the API's next_page: true while another page follows.
	// Cloudflare sends a boolean; a number (the next page's index) is
	// read as "another page follows" when it is past Page.
	NextPage bool
	// HasNextPage says the answer carried next_page at all.
	HasNextPage bool
}

// decodeResultInfo reads result_info field by field; a field of the wrong
// type is left zero. A result_info that is not an object gives nil.
func decodeResultInfo(b json.RawMessage) *ResultInfo {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil || raw == nil {
		return nil
	}
	num := func(k string) int {
		var f flexFloat
		_ = f.UnmarshalJSON(raw[k])
		return int(f)
	}
	ri := &ResultInfo{Page: num("page"), PerPage: num("per_page"), Count: num("count"),
		TotalCount: num("total_count"), TotalPages: num("total_pages")}
	if v, ok := raw["next_page"]; ok {
		var bv flexBool
		switch {
		case bv.set(v):
			ri.NextPage, ri.HasNextPage = bool(bv), true
		case string(bytes.TrimSpace(v)) == "null":
			ri.HasNextPage = true // null: no next page
		default:
			var n flexFloat
			_ = n.UnmarshalJSON(v)
			ri.NextPage, ri.HasNextPage = int(n) > ri.Page, true
		}
	}
	return ri
}

// More reports whether another page follows: next_page when the API sent
// it, and never past total_pages.
func (ri ResultInfo) More() bool {
	if ri.TotalPages > 0 && ri.Page >= ri.TotalPages {
		return false
	}
	if ri.HasNextPage {
		return ri.NextPage
	}
	return ri.TotalPages > ri.Page
}

// set reads a JSON boolean (or the strings "true"/"false") into f and
// reports whether it was one.
func (f *flexBool) set(b []byte) bool {
	var v bool
	if json.Unmarshal(b, &v) == nil {
		*f = flexBool(v)
		return true
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if v, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			*f = flexBool(v)
			return true
		}
	}
	return false
}
