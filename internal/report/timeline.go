package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aiorun/aiorun/internal/exception"
)

// The timeline (--timeline FILE.svg): the run as a self-contained SVG
// Gantt chart, no script, no external font or style, a few KiB for a few
// dozen jobs. One row per job, in the order the mode reports jobs; one bar
// per attempt from its start to its end, coloured by outcome (an attempt
// that was retried is drawn paler); a marker where a signal was sent to
// the job; a time axis with round ticks; a legend. Hovering a bar shows
// its details (SVG <title>).

// Timeline colours, readable on white and for the common colour
// blindnesses (green and red differ in lightness too).
const (
	tlOK        = "#2da44e"
	tlFailed    = "#cf222e"
	tlTimeout   = "#bc4c00"
	tlCancelled = "#8c959f"
	tlTerm      = "#9a6700" // SIGTERM markers
	tlGrid      = "#d0d7de"
	tlText      = "#1f2328"
	tlMuted     = "#656d76"
	tlStripe    = "#f6f8fa"
)

func tlColour(err error) string {
	switch StatusWord(err) {
	case "ok":
		return tlOK
	case "timeout":
		return tlTimeout
	case "cancelled":
		return tlCancelled
	}
	return tlFailed
}

// WriteTimeline writes run as an SVG Gantt chart.
func WriteTimeline(w io.Writer, run *Run) error {
	const (
		width   = 960
		pad     = 16
		rowH    = 24
		barH    = 14
		charW   = 7.2 // of 12px monospace
		axisTop = 64
	)
	total := run.Wall()
	for _, j := range run.Jobs {
		for _, a := range j.Attempts {
			if a.Ended && a.End.Sub(run.Start) > total {
				total = a.End.Sub(run.Start)
			}
		}
	}
	total = max(total, time.Millisecond)
	step := tickStep(total, 9)
	// Let the axis end on a tick when that costs little room.
	span := time.Duration(math.Ceil(float64(total)/float64(step))) * step
	if float64(span) > float64(total)*1.15 {
		span = total
	}

	longest := 4
	for _, j := range run.Jobs {
		longest = max(longest, len(j.Name))
	}
	labelW := math.Min(math.Max(float64(longest)*charW+16, 64), 240)
	maxChars := int((labelW - 16) / charW)
	x0 := pad + labelW
	x1 := float64(width - pad - 24)
	x := func(d time.Duration) float64 { return x0 + (x1-x0)*float64(d)/float64(span) }
	rowsTop := float64(axisTop + 8)
	rowsBottom := rowsTop + float64(len(run.Jobs)*rowH)
	legendY := rowsBottom + 30
	height := legendY + 24

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%.0f" viewBox="0 0 %d %.0f" font-family="system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif" font-size="12" fill="%s">`+"\n",
		width, height, width, height, tlText)
	p("<title>%s</title>\n", esc(run.Title))
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")

	// Title and summary.
	p(`<text x="%d" y="24" font-size="15" font-weight="600">%s</text>`+"\n", pad, esc(run.Title))
	summary := run.Summary()
	p(`<text x="%d" y="44" fill="%s">%s</text>`+"\n", pad, tlMuted, esc(summary))

	// Row stripes and names.
	p(`<g font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace">` + "\n")
	for i, j := range run.Jobs {
		y := rowsTop + float64(i*rowH)
		if i%2 == 0 {
			p(`<rect x="%d" y="%.1f" width="%d" height="%d" fill="%s"/>`+"\n", pad, y, width-2*pad, rowH, tlStripe)
		}
		name := j.Name
		if len(name) > maxChars {
			name = name[:max(maxChars-1, 1)] + "…"
		}
		p(`<text x="%.1f" y="%.1f" text-anchor="end">%s<title>%s</title></text>`+"\n", x0-8, y+rowH/2+4, esc(name), esc(j.Name))
	}
	p("</g>\n")

	// Axis: grid lines and tick labels.
	p(`<g font-size="11" fill="%s">`+"\n", tlMuted)
	for t := time.Duration(0); t <= span+step/1000; t += step {
		xt := x(t)
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1"/>`+"\n", xt, axisTop, xt, rowsBottom, tlGrid)
		p(`<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", xt, axisTop-6, fmtTick(t, step))
	}
	p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", x0, axisTop, x1, axisTop, tlMuted)
	p("</g>\n")

	// Bars.
	signalAt := make(map[string][]Instant)
	for _, in := range run.Instants {
		if strings.HasPrefix(in.Name, "SIG") {
			signalAt[in.Job] = append(signalAt[in.Job], in)
		}
	}
	for i, j := range run.Jobs {
		y := rowsTop + float64(i*rowH) + (rowH-barH)/2
		if len(j.Attempts) == 0 {
			p(`<text x="%.1f" y="%.1f" fill="%s" font-style="italic">%s<title>%s</title></text>`+"\n",
				x0+4, y+barH-3, tlMuted, esc("not started: "+StatusText(j.Err)), esc(j.Name+": "+StatusText(j.Err)))
			continue
		}
		var lastEnd float64
		for k, a := range j.Attempts {
			end := a.End
			if !a.Ended {
				end = run.End
			}
			xa, xb := x(a.Start.Sub(run.Start)), x(end.Sub(run.Start))
			wBar := math.Max(xb-xa, 2)
			retried := k < len(j.Attempts)-1
			opacity := ""
			if retried {
				opacity = ` fill-opacity="0.45"`
			}
			tip := fmt.Sprintf("%s, attempt %d: %s\nstart %s, took %s", j.Name, a.N, StatusText(a.Err),
				fmtSeconds(a.Start.Sub(run.Start)), fmtSeconds(end.Sub(a.Start)))
			if a.Pid > 0 {
				tip += fmt.Sprintf(", pid %d", a.Pid)
			}
			if a.Err != nil {
				tip += "\n" + exception.As(a.Err).Repr()
			}
			p(`<rect x="%.1f" y="%.1f" width="%.1f" height="%d" rx="2" fill="%s"%s><title>%s</title></rect>`+"\n",
				xa, y, wBar, barH, tlColour(a.Err), opacity, esc(tip))
			lastEnd = xa + wBar
		}
		// The job's duration after its last bar, or inside it near the edge.
		label := fmtSeconds(j.Duration)
		if lastEnd+6+float64(len(label))*6.5 <= float64(width-pad) {
			p(`<text x="%.1f" y="%.1f" font-size="11" fill="%s">%s</text>`+"\n", lastEnd+4, y+barH-3, tlMuted, label)
		} else {
			p(`<text x="%.1f" y="%.1f" font-size="11" fill="#ffffff" text-anchor="end">%s</text>`+"\n", lastEnd-4, y+barH-3, label)
		}
		for _, in := range signalAt[j.Name] {
			xs := x(in.Time.Sub(run.Start))
			fill := tlTerm
			if in.Name == "SIGKILL" {
				fill = tlText
			}
			// A white tick through the bar, and a triangle whose tip
			// touches the bar's top, inside the job's row.
			p(`<g fill="%s"><title>%s</title><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ffffff" stroke-width="2"/><path d="M%.1f %.1fl-4 -5h8z"/></g>`+"\n",
				fill, esc(fmt.Sprintf("%s sent to %s at %s (%s)", in.Name, j.Name, fmtSeconds(in.Time.Sub(run.Start)), in.Detail)),
				xs, y, xs, y+barH, xs, y)
		}
	}

	// Legend.
	lx := float64(pad)
	item := func(swatch, label string) {
		p(`%s<text x="%.1f" y="%.1f">%s</text>`+"\n", swatch, lx+16, legendY+10, esc(label))
		lx += 16 + float64(len(label))*6.6 + 18
	}
	for _, l := range []struct{ colour, label, opacity string }{
		{tlOK, "finished", ""}, {tlFailed, "failed", ""}, {tlTimeout, "timed out", ""},
		{tlCancelled, "cancelled", ""}, {tlFailed, "attempt retried", ` fill-opacity="0.45"`},
	} {
		item(fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="12" height="12" rx="2" fill="%s"%s/>`, lx, legendY, l.colour, l.opacity), l.label)
	}
	item(fmt.Sprintf(`<path d="M%.1f %.1fl-5 -8h10z" fill="%s"/>`, lx+6, legendY+11, tlTerm), "SIGTERM sent")
	item(fmt.Sprintf(`<path d="M%.1f %.1fl-5 -8h10z" fill="%s"/>`, lx+6, legendY+11, tlText), "SIGKILL sent")
	p("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// tickStep is a round step (1, 2 or 5 times a power of ten, or a round
// number of seconds or minutes) giving at most about n ticks over total.
func tickStep(total time.Duration, n int) time.Duration {
	raw := float64(total) / float64(n)
	for _, s := range []time.Duration{
		time.Microsecond, 2 * time.Microsecond, 5 * time.Microsecond,
		10 * time.Microsecond, 20 * time.Microsecond, 50 * time.Microsecond,
		100 * time.Microsecond, 200 * time.Microsecond, 500 * time.Microsecond,
		time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
		10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
		100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	} {
		if float64(s) >= raw {
			return s
		}
	}
	return 24 * time.Hour * time.Duration(math.Ceil(raw/float64(24*time.Hour)))
}

// fmtTick writes a tick's time with as few digits as the step needs:
// "0", "0.5s", "1s", "1m30s", "250ms".
func fmtTick(t, step time.Duration) string {
	switch {
	case t == 0:
		return "0"
	case step < time.Millisecond:
		return strconv.FormatFloat(float64(t)/float64(time.Millisecond), 'f', -1, 64) + "ms"
	case step < 100*time.Millisecond && t < time.Second:
		return strconv.FormatInt(t.Milliseconds(), 10) + "ms"
	case step < time.Second || t < time.Minute:
		return strconv.FormatFloat(t.Seconds(), 'f', -1, 64) + "s"
	}
	return exception.FormatDuration(t)
}

// fmtSeconds writes a duration for people: "0.012s", "2.00s", "12.3s",
// "1m05s".
func fmtSeconds(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// esc escapes s for SVG text and attributes.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(StripANSI(s)))
	return b.String()
}
