package cli

import "strings"

// Closest returns the candidate the user most likely meant by name, or ""
// when none is close enough to be a typo of it: a candidate that differs by
// case or by '_' for '-', one within a small edit distance (one edit for
// names of up to four letters, two for longer ones; swapping two adjacent
// letters is one edit), or one that name begins, or is begun by, when that
// shared beginning has at least three letters ("-base" for "-base-url",
// "-srcdir" for "-src"). When two candidates are equally close ("-max" for
// -max-delay and -max-article-size) there is no suggestion: a far-fetched or
// arbitrary one is worse than none.
func Closest(name string, candidates []string) string {
	n := normalize(name)
	limit := 1
	if len([]rune(n)) > 4 {
		limit = 2
	}
	best, bestScore, tied := "", limit+1, false
	for _, c := range candidates {
		cn := normalize(c)
		score := distance(n, cn)
		if score > limit && len(n) >= 3 && len(cn) >= 3 && (strings.HasPrefix(cn, n) || strings.HasPrefix(n, cn)) {
			score = limit // a beginning: as good as the furthest typo
		}
		switch {
		case score < bestScore:
			best, bestScore, tied = c, score, false
		case score == bestScore:
			tied = true
		}
	}
	if tied {
		return ""
	}
	return best
}

func normalize(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimLeft(s, "-")), "_", "-")
}

// distance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// letters each count one.
func distance(a, b string) int {
	r, s := []rune(a), []rune(b)
	// d[i][j] is the distance between r[:i] and s[:j]; three rows suffice.
	prev2 := make([]int, len(s)+1)
	prev := make([]int, len(s)+1)
	cur := make([]int, len(s)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(r); i++ {
		cur[0] = i
		for j := 1; j <= len(s); j++ {
			cost := 1
			if r[i-1] == s[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && r[i-1] == s[j-2] && r[i-2] == s[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(s)]
}
