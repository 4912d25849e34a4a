package jobfile

import "strings"

// suggest returns the candidate that word is most likely a typo of, or ""
// when none is close. Close means equal but for case, or at most two
// edits apart (insert, delete, replace, swap two neighbours) with at most
// one edit per two characters of the shorter word, so that "a" does not
// suggest "b". Of equally close candidates the first wins.
func suggest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if strings.EqualFold(word, c) {
			return c
		}
		d := editDistance(word, c, bestDist)
		if d < bestDist && 2*d <= min(len([]rune(word)), len([]rune(c))) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b
// (Levenshtein plus swaps of neighbours), or limit when it is limit or
// more; the early exit keeps a scan of many candidates cheap.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) >= limit {
		return limit
	}
	prev2 := make([]int, len(rb)+1) // row i-2
	prev := make([]int, len(rb)+1)  // row i-1
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	prevMin := 0
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		// A later cell is at least one of this row's or, by a swap, one
		// more than one of the previous row's.
		if rowMin >= limit && prevMin+1 >= limit {
			return limit
		}
		prevMin = rowMin
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
