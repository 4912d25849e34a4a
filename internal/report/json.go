package report

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aiorun/aiorun/internal/capture"
	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

// The JSON methods are called with outMu held and write one object per
// line to r.out, keys in SPEC §5's order. Lines are built by hand, not
// with encoding/json, to fix that order and to stream large values.

func (r *Reporter) jsonStarted(e event.Started) {
	b := append(r.line[:0], `{"event":"started","job":`...)
	b = appendJSONString(b, e.Job)
	if e.Pid > 0 {
		b = append(b, `,"pid":`...)
		b = strconv.AppendInt(b, int64(e.Pid), 10)
	}
	if e.Host != "" {
		b = append(b, `,"host":`...)
		b = appendJSONString(b, e.Host)
	}
	if e.SlurmJob != "" {
		b = append(b, `,"slurm_job":`...)
		b = appendJSONString(b, e.SlurmJob)
	}
	if len(e.Needs) > 0 {
		b = append(b, `,"needs":[`...)
		for i, n := range e.Needs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, n)
		}
		b = append(b, ']')
	}
	if e.Attempt > 1 {
		b = append(b, `,"attempt":`...)
		b = strconv.AppendInt(b, int64(e.Attempt), 10)
	}
	r.writeLine(appendJSONTime(b, e.Time))
}

func (r *Reporter) jsonFinished(e event.Finished) {
	b := append(r.line[:0], `{"event":"finished","job":`...)
	b = appendJSONString(b, e.Job)
	if e.Err == nil {
		b = append(b, `,"status":"ok","exit_code":0`...)
	} else {
		x := exception.As(e.Err)
		b = append(b, `,"status":"`...)
		b = append(b, jsonStatus(x)...)
		b = append(b, `","exit_code":`...)
		b = strconv.AppendInt(b, int64(x.ExitCode()), 10)
		b = append(b, `,"error":`...)
		b = appendJSONString(b, x.Repr())
	}
	b = append(b, `,"duration_s":`...)
	b = appendSeconds(b, e.Duration)
	b = append(b, `,"value":`...)
	r.writeLine(b)
	r.writeJSONValue(e.Job, e.Value)
	b = r.line[:0]
	if e.Host != "" {
		b = append(b, `,"host":`...)
		b = appendJSONString(b, e.Host)
	}
	if e.SlurmJob != "" {
		b = append(b, `,"slurm_job":`...)
		b = appendJSONString(b, e.SlurmJob)
	}
	r.writeLine(appendJSONTime(b, e.Time))
}

// jsonStatus is a failed job's "status": timeout, cancelled or failed.
func jsonStatus(x exception.Exception) string {
	switch x.(type) {
	case *exception.TimeoutError:
		return "timeout"
	case *exception.CancelledError:
		return "cancelled"
	}
	return "failed"
}

func (r *Reporter) jsonRetrying(e event.Retrying) {
	b := append(r.line[:0], `{"event":"retry","job":`...)
	b = appendJSONString(b, e.Job)
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(e.Attempt), 10)
	b = append(b, `,"of":`...)
	b = strconv.AppendInt(b, int64(e.Of), 10)
	b = append(b, `,"delay_s":`...)
	b = appendSeconds(b, e.Delay)
	if e.Err != nil {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, exception.As(e.Err).Repr())
	}
	r.writeLine(appendJSONTime(b, e.Time))
}

func (r *Reporter) jsonResult(e event.Result) {
	b := append(r.line[:0], `{"event":"result","mode":`...)
	b = appendJSONString(b, string(e.Mode))
	b = append(b, `,"values":[`...)
	r.writeLine(b)
	for i, o := range e.Outcomes {
		b = r.line[:0]
		if i > 0 {
			b = append(b, ',')
		}
		if o.Err != nil {
			b = append(b, `{"error":`...)
			b = appendJSONString(b, exception.As(o.Err).Repr())
			r.writeLine(append(b, '}'))
			continue
		}
		r.writeLine(b)
		r.writeJSONValue(o.Job, o.Value)
	}
	b = append(r.line[:0], `],"exit_code":`...)
	b = strconv.AppendInt(b, int64(e.ExitCode), 10)
	if e.Err != nil {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, e.Err.Error())
	}
	r.writeLine(append(b, "}\n"...))
}

// writeJSONValue writes v as a JSON string, streamed in chunks.
func (r *Reporter) writeJSONValue(job string, v *capture.Value) {
	_ = r.out.WriteByte('"')
	r.writeValue(job, v, appendJSON)
	_ = r.out.WriteByte('"')
}

// appendJSONTime closes an event with its time: `,"time":"...Z"}` and a
// newline. A zero time is the time of writing.
func appendJSONTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		t = time.Now()
	}
	b = append(b, `,"time":"`...)
	b = t.UTC().AppendFormat(b, timeLayout)
	return append(b, "\"}\n"...)
}

// appendSeconds appends d in seconds rounded to milliseconds, as Python's
// json writes a float: at least one fractional digit, no trailing zeros
// ("2.003", "0.2", "1.0").
func appendSeconds(b []byte, d time.Duration) []byte {
	ms := d.Round(time.Millisecond).Milliseconds()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	digits := [4]byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := len(digits)
	for n > 2 && digits[n-1] == '0' {
		n--
	}
	return append(b, digits[:n]...)
}

// appendJSONString appends s as a quoted JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b, _ = appendJSON(b, []byte(s), true)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSON appends src escaped for the inside of a JSON string, as
// encoding/json writes it with HTML escaping off: \" \\ \b \f \n \r \t,
// other control characters as \u00XX, U+2028 and U+2029 escaped, each byte
// of invalid UTF-8 as \ufffd. Unless final is set, an incomplete UTF-8
// sequence at the end of src is not written but returned as rest, to be
// put in front of the next chunk.
func appendJSON(dst, src []byte, final bool) (out, rest []byte) {
	start := 0
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, src[start:i]...)
			if !final && !utf8.FullRune(src[i:]) {
				return dst, src[i:]
			}
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&15])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, src[start:]...), nil
}
