package model

import (
	"sort"
	"strings"
)

// CloseNames are at most n of names that look like name (one contains the
// other, or few edits apart), closest first: what "did you mean" offers
// instead of listing 2,000 Workers.
func CloseNames(name string, names []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	q := strings.ToLower(name)
	limit := max(2, len(q)/3)
	var out []scored
	for _, c := range names {
		lc := strings.ToLower(c)
		d := editDistance(q, lc)
		if q != "" && (strings.Contains(lc, q) || strings.Contains(q, lc)) {
			d = min(d, 1)
		}
		if d <= limit {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d || out[i].d == out[j].d && out[i].name < out[j].name })
	res := make([]string, 0, min(n, len(out)))
	for _, s := range out[:min(n, len(out))] {
		res = append(res, s.name)
	}
	return res
}

// editDistance is the Levenshtein distance of a and b, in bytes, bounded
// in cost by names' shortness (Worker names are at most 63 characters).
func editDistance(a, b string) int {
	if len(a) > 200 || len(b) > 200 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
