package report

import (
	"hash/fnv"

	"github.com/fatih/color"

	"github.com/aiorun/aiorun/internal/exception"
)

// namePalette holds the colours a job name can take: readable on dark and
// light terminals, and none of them the green, red or yellow of a status.
var namePalette = [...]color.Attribute{
	color.FgCyan, color.FgMagenta, color.FgBlue,
	color.FgHiCyan, color.FgHiMagenta, color.FgHiBlue,
}

const (
	okColor     = color.FgGreen  // finished
	failColor   = color.FgRed    // failed, timed out
	cancelColor = color.FgYellow // cancelled, retrying
)

// painter colours text for one stream, or leaves it as it is when that
// stream has no colour. It decides by its own flag: each color.Color is
// enabled explicitly, so color.NoColor (which looks at stdout only) and
// NO_COLOR (which the caller already weighed) play no part.
type painter struct{ on bool }

func (p painter) paint(s string, a color.Attribute) string {
	if !p.on {
		return s
	}
	c := color.New(a)
	c.EnableColor()
	return c.Sprint(s)
}

// name is a job name in its colour: the same colour for a name on every run.
func (p painter) name(job string) string {
	return p.paint(job, nameColor(job))
}

func nameColor(job string) color.Attribute {
	h := fnv.New32a()
	_, _ = h.Write([]byte(job))
	return namePalette[h.Sum32()%uint32(len(namePalette))]
}

// prefix is what goes in front of each of a job's stderr lines: "NAME | ",
// with "NAME |" in the name's colour.
func (p painter) prefix(job string) []byte {
	return []byte(p.paint(job+" |", nameColor(job)) + " ")
}

// outPrefix is what goes in front of each of a job's standard output
// lines when they are shown (--output stream, group): "NAME > ".
func (p painter) outPrefix(job string) []byte {
	return []byte(p.paint(job+" >", nameColor(job)) + " ")
}

// status is the tail of a failed job's status line in its kind's colour.
func (p painter) status(x exception.Exception) string {
	if _, ok := x.(*exception.CancelledError); ok {
		return p.paint(x.Status(), cancelColor)
	}
	return p.paint(x.Status(), failColor)
}
