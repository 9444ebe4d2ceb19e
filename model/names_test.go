package model

import (
	"fmt"
	"reflect"
	"testing"
)

func TestCloseNames(t *testing.T) {
	t.Parallel()
	many := []string{"api-gateway", "auth-service", "image-resizer", "docs-site"}
	for i := range 2000 {
		many = append(many, fmt.Sprintf("worker-%04d", i))
	}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"api-gatway", []string{"api-gateway"}},
		{"auth", []string{"auth-service"}},
		{"worker-000", []string{"worker-0000", "worker-0001", "worker-0002"}},
		{"zzzzzzzzzz", []string{}},
	} {
		if got := CloseNames(tc.name, many, 3); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.name, got, tc.want)
		}
	}
}
