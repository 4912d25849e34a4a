// Command plot draws the scaling chart of aiorun's benchmark as SVG: wall
// time and peak RSS against the number of jobs, one line per runner. It reads
// the table that `bench/run.sh --plot` writes (bench/out/scaling.tsv):
//
//	runner	jobs	wall_s	rss_mb
//	aiorun	100	0.061	9.80
//
// and writes the SVG by hand, with no dependencies:
//
//	plot -o docs/scaling.svg -title "N jobs of true at -j 8" < bench/out/scaling.tsv
//
// Both panels use logarithmic axes: the jobs span 100 to 20,000, and the
// runners' wall times and memory span two orders of magnitude.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// point is one runner's median at one number of jobs.
type point struct {
	jobs, wall, rss float64
}

// series is one runner's points, in increasing number of jobs.
type series struct {
	name   string
	points []point
}

func main() {
	out := flag.String("o", "", "write the SVG to `FILE` (default: standard output)")
	title := flag.String("title", "Scaling", "the chart's `title`")
	subtitle := flag.String("subtitle", "", "a line under the title: machine, date")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: plot [-o FILE] [-title T] [-subtitle S] < scaling.tsv")
		os.Exit(2)
	}
	data, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
	svg := draw(data, *title, *subtitle)
	if *out == "" {
		_, err = os.Stdout.WriteString(svg)
	} else {
		err = os.WriteFile(*out, []byte(svg), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

// read parses the TSV: a header line, then runner, jobs, wall_s, rss_mb.
// Runners keep the order of their first appearance.
func read(r io.Reader) ([]series, error) {
	var (
		all   []series
		index = map[string]int{}
	)
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || line == 1 && strings.HasPrefix(text, "runner") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want 4 tab-separated fields, got %d", line, len(f))
		}
		var p point
		for i, dst := range []*float64{&p.jobs, &p.wall, &p.rss} {
			v, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil || v <= 0 || math.IsInf(v, 0) {
				return nil, fmt.Errorf("line %d: field %d: want a positive number, got %q", line, i+2, f[i+1])
			}
			*dst = v
		}
		i, ok := index[f[0]]
		if !ok {
			i = len(all)
			index[f[0]] = i
			all = append(all, series{name: f[0]})
		}
		all[i].points = append(all[i].points, p)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, errors.New("no data")
	}
	for _, s := range all {
		sort.Slice(s.points, func(a, b int) bool { return s.points[a].jobs < s.points[b].jobs })
	}
	return all, nil
}

// Layout, in SVG user units.
const (
	width    = 960
	height   = 490
	panelW   = 380
	panelH   = 300
	panelTop = 84
	left1    = 70
	left2    = 540
	legendY  = 462
)

// colours per runner; aiorun is drawn thicker, on top.
var colours = map[string]string{
	"aiorun":       "#d62728",
	"bare":         "#7f7f7f",
	"xargs":        "#1f77b4",
	"make":         "#2ca02c",
	"parallel":     "#9467bd",
	"concurrently": "#ff7f0e",
}

var extra = []string{"#8c564b", "#e377c2", "#17becf", "#bcbd22"}

// labels name the runners as the benchmark's tables do.
var labels = map[string]string{
	"aiorun":       "aiorun gather",
	"bare":         "bare Go (os/exec)",
	"xargs":        "xargs -P",
	"make":         "make -j",
	"parallel":     "GNU parallel",
	"concurrently": "concurrently",
}

// axis maps a positive value to a coordinate on a log scale.
type axis struct {
	lo, hi   float64 // data range, powers of ten or the data's own ends
	from, to float64 // pixel range
}

func (a axis) at(v float64) float64 {
	return a.from + (math.Log10(v)-math.Log10(a.lo))/(math.Log10(a.hi)-math.Log10(a.lo))*(a.to-a.from)
}

// decades widens [lo, hi] to whole powers of ten.
func decades(lo, hi float64) (float64, float64) {
	l := math.Pow(10, math.Floor(math.Log10(lo)))
	h := math.Pow(10, math.Ceil(math.Log10(hi)))
	if h <= l {
		h = l * 10
	}
	return l, h
}

// ticks are 1, 2 and 5 times each power of ten in [lo, hi].
func ticks(lo, hi float64) []float64 {
	var t []float64
	for p := lo; p <= hi*1.0001; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := p * m; v <= hi*1.0001 {
				t = append(t, v)
			}
		}
	}
	return t
}

// number writes a tick label: 0.01, 0.5, 20, 1,000.
func number(v float64) string {
	if v >= 1000 {
		s := strconv.FormatFloat(v, 'f', 0, 64)
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func draw(data []series, title, subtitle string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="17" font-weight="bold">%s</text>`+"\n", left1, html.EscapeString(title))
	if subtitle != "" {
		fmt.Fprintf(&b, `<text x="%d" y="48" fill="#555555">%s</text>`+"\n", left1, html.EscapeString(subtitle))
	}

	jobsLo, jobsHi := math.Inf(1), 0.0
	var jobValues []float64
	seen := map[float64]bool{}
	for _, s := range data {
		for _, p := range s.points {
			jobsLo, jobsHi = math.Min(jobsLo, p.jobs), math.Max(jobsHi, p.jobs)
			if !seen[p.jobs] {
				seen[p.jobs] = true
				jobValues = append(jobValues, p.jobs)
			}
		}
	}
	sort.Float64s(jobValues)
	if jobsHi <= jobsLo {
		jobsLo, jobsHi = jobsLo/2, jobsHi*2
	}

	panel(&b, data, left1, "wall time (s)", jobValues, jobsLo, jobsHi, func(p point) float64 { return p.wall })
	panel(&b, data, left2, "peak RSS (MB)", jobValues, jobsLo, jobsHi, func(p point) float64 { return p.rss })
	legend(&b, data)
	b.WriteString("</svg>\n")
	return b.String()
}

// panel draws one chart: y(p) against the number of jobs, on log axes.
func panel(b *strings.Builder, data []series, left float64, ylabel string, jobValues []float64, jobsLo, jobsHi float64, y func(point) float64) {
	yLo, yHi := math.Inf(1), 0.0
	for _, s := range data {
		for _, p := range s.points {
			yLo, yHi = math.Min(yLo, y(p)), math.Max(yHi, y(p))
		}
	}
	yLo, yHi = decades(yLo, yHi)
	// A little room on both sides of the jobs axis, so end points are not on the frame.
	xa := axis{lo: jobsLo / 1.25, hi: jobsHi * 1.25, from: left, to: left + panelW}
	ya := axis{lo: yLo, hi: yHi, from: panelTop + panelH, to: panelTop}

	fmt.Fprintf(b, `<g>`+"\n")
	fmt.Fprintf(b, `<text x="%.1f" y="%d" font-size="14" font-weight="bold">%s</text>`+"\n", left, panelTop-12, html.EscapeString(ylabel))
	for _, v := range ticks(yLo, yHi) {
		py := ya.at(v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e5e5e5"/>`+"\n", left, py, left+panelW, py)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#444444">%s</text>`+"\n", left-6, py+4, number(v))
	}
	for _, v := range jobValues {
		px := xa.at(v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e5e5e5"/>`+"\n", px, panelTop, px, panelTop+panelH)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444444">%s</text>`+"\n", px, panelTop+panelH+18, number(v))
	}
	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%d" height="%d" fill="none" stroke="#999999"/>`+"\n", left, panelTop, panelW, panelH)
	fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444444">jobs (log scale)</text>`+"\n", left+panelW/2, panelTop+panelH+38)

	// aiorun last, so that it is drawn on top.
	order := make([]int, 0, len(data))
	for i, s := range data {
		if s.name != "aiorun" {
			order = append(order, i)
		}
	}
	for i, s := range data {
		if s.name == "aiorun" {
			order = append(order, i)
		}
	}
	for _, i := range order {
		s := data[i]
		c, w := colour(s.name, i), 1.8
		if s.name == "aiorun" {
			w = 3
		}
		var pts []string
		for _, p := range s.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xa.at(p.jobs), ya.at(y(p))))
		}
		if len(pts) > 1 {
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="%.1f"/>`+"\n", strings.Join(pts, " "), c, w)
		}
		for _, p := range s.points {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"><title>%s, %s jobs: %s</title></circle>`+"\n",
				xa.at(p.jobs), ya.at(y(p)), w+1, c, html.EscapeString(label(s.name)), number(p.jobs), html.EscapeString(value(y(p), ylabel)))
		}
	}
	fmt.Fprintf(b, "</g>\n")
}

func value(v float64, ylabel string) string {
	if strings.HasPrefix(ylabel, "wall") {
		return strconv.FormatFloat(v, 'f', 3, 64) + " s"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " MB"
}

func legend(b *strings.Builder, data []series) {
	x := float64(left1)
	for i, s := range data {
		c := colour(s.name, i)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", x, legendY, x+22, legendY, c)
		text := label(s.name)
		fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`+"\n", x+28, legendY+4, html.EscapeString(text))
		x += 28 + 7.2*float64(len([]rune(text))) + 26
	}
}

func colour(name string, i int) string {
	if c, ok := colours[name]; ok {
		return c
	}
	return extra[i%len(extra)]
}

func label(name string) string {
	if l, ok := labels[name]; ok {
		return l
	}
	return name
}
