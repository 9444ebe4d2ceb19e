package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// openAPI is the small part of an OpenAPI 3.0 document the contract test
// reads: paths, operations, responses and component schemas.
type openAPI struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]any `json:"schemas"`
		Responses map[string]any `json:"responses"`
	} `json:"components"`
}

func loadSchema(t *testing.T) *openAPI {
	t.Helper()
	raw, err := os.ReadFile("testdata/builds-openapi.json")
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	var doc openAPI
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	return &doc
}

// responseSchema finds the schema of path+method's response for status, or
// the ErrorResponse for a status the operation does not list.
func (d *openAPI) responseSchema(t *testing.T, path, method string, status int) any {
	t.Helper()
	var op struct {
		Responses map[string]any `json:"responses"`
	}
	if err := json.Unmarshal(d.Paths[path][method], &op); err != nil || op.Responses == nil {
		t.Fatalf("no operation %s %s in schema", method, path)
	}
	resp, ok := op.Responses[fmt.Sprint(status)]
	if !ok {
		return d.Components.Schemas["builds_ErrorResponse"]
	}
	r := resp.(map[string]any)
	if ref, ok := r["$ref"].(string); ok {
		r = d.Components.Responses[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
	}
	return r["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
}

var (
	reUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// envVarsShape accepts both shapes API.md allows for environment_variables:
// name → string (the schema) and name → {is_secret, created_on, value} with
// value null for a secret (what Cloudflare's own client reads).
func envVarsShape(v any, at string) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: want object, got %T", at, v)}
	}
	var errs []string
	for k, val := range m {
		switch x := val.(type) {
		case string:
		case map[string]any:
			_, secretOK := x["is_secret"].(bool)
			_, createdOK := x["created_on"].(string)
			_, isString := x["value"].(string)
			if !secretOK || !createdOK || !(isString || x["value"] == nil) {
				errs = append(errs, fmt.Sprintf("%s.%s: want {is_secret, created_on, value}, got %v", at, k, x))
			}
		default:
			errs = append(errs, fmt.Sprintf("%s.%s: want string or object, got %T", at, k, val))
		}
	}
	return errs
}

// validate checks v against an OpenAPI schema object and returns every
// violation. Where API.md says real traffic wins, it bends: allOf merges its
// members' properties with the later (the operation's own) winning, and
// build_outcome may be null.
func (d *openAPI) validate(schema any, v any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		if name == "builds_BuildOutcome" && v == nil {
			return nil
		}
		return d.validate(d.Components.Schemas[name], v, at)
	}
	if all, ok := s["allOf"].([]any); ok {
		return d.validate(d.mergeAllOf(all), v, at)
	}
	if v == nil {
		if s["nullable"] == true {
			return nil
		}
		if _, typed := s["type"]; typed {
			return []string{at + ": null where the schema does not allow it"}
		}
		return nil
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		for _, alt := range anyOf {
			if len(d.validate(alt, v, at)) == 0 {
				return nil
			}
		}
		return []string{fmt.Sprintf("%s: %v matches no anyOf alternative", at, v)}
	}
	var errs []string
	switch s["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %T", at, v)}
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := obj[r]; !ok {
				errs = append(errs, at+": missing required "+r)
			}
		}
		for k, val := range obj {
			if k == "environment_variables" {
				errs = append(errs, envVarsShape(val, at+"."+k)...)
				continue
			}
			if ps, ok := props[k]; ok {
				errs = append(errs, d.validate(ps, val, at+"."+k)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				if ap == false {
					errs = append(errs, at+": unexpected property "+k)
				} else {
					errs = append(errs, d.validate(ap, val, at+"."+k)...)
				}
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want array, got %T", at, v)}
		}
		if mn, ok := s["minItems"].(float64); ok && len(arr) < int(mn) {
			errs = append(errs, fmt.Sprintf("%s: %d items, want at least %v", at, len(arr), mn))
		}
		if mx, ok := s["maxItems"].(float64); ok && len(arr) > int(mx) {
			errs = append(errs, fmt.Sprintf("%s: %d items, want at most %v", at, len(arr), mx))
		}
		for i, it := range arr {
			errs = append(errs, d.validate(s["items"], it, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return []string{fmt.Sprintf("%s: want string, got %T", at, v)}
		}
		switch s["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", at, str))
			}
		case "uuid":
			if !reUUID.MatchString(str) {
				errs = append(errs, fmt.Sprintf("%s: %q is not a uuid", at, str))
			}
		case "uri":
			if u, err := url.Parse(str); err != nil || u.Scheme == "" {
				errs = append(errs, fmt.Sprintf("%s: %q is not a uri", at, str))
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return []string{fmt.Sprintf("%s: want integer, got %v", at, v)}
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return []string{fmt.Sprintf("%s: want number, got %T", at, v)}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: want boolean, got %T", at, v)}
		}
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in enum %v", at, v, enum))
		}
	}
	return errs
}

func (d *openAPI) mergeAllOf(all []any) map[string]any {
	merged := map[string]any{"type": "object"}
	props := map[string]any{}
	var required []any
	for _, m := range all {
		ms, _ := m.(map[string]any)
		if ref, ok := ms["$ref"].(string); ok {
			ms, _ = d.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		}
		if p, ok := ms["properties"].(map[string]any); ok {
			for k, v := range p {
				props[k] = v
			}
		}
		if r, ok := ms["required"].([]any); ok {
			required = append(required, r...)
		}
	}
	merged["properties"] = props
	merged["required"] = required
	return merged
}

func asStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestValidatorCatchesViolations keeps the validator honest: it must fail on
// a response that breaks the schema.
func TestValidatorCatchesViolations(t *testing.T) {
	t.Parallel()
	doc := loadSchema(t)
	schema := doc.responseSchema(t, "/accounts/{account_id}/builds/builds/{build_uuid}", "get", 200)
	bad := []string{
		`{"success":true,"errors":[],"messages":[],"result":{"status":"flying"}}`,
		`{"success":true,"errors":[],"messages":[],"result":{"created_on":"yesterday"}}`,
		`{"success":true,"errors":[],"messages":[],"result":{"build_uuid":"nope"}}`,
		`{"success":"yes","errors":[],"messages":[],"result":{}}`,
		`{"success":true,"errors":[],"result":{}}`,
		`{"success":true,"errors":[],"messages":[],"result":{"running_on":5}}`,
	}
	for _, b := range bad {
		var v any
		_ = json.Unmarshal([]byte(b), &v)
		if errs := doc.validate(schema, v, "$"); len(errs) == 0 {
			t.Errorf("validator accepted %s", b)
		}
	}
}
