package report

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"time"

	"github.com/aiorun/aiorun/internal/exception"
)

// The Chrome trace (--trace FILE), in the Trace Event Format's JSON object
// form that chrome://tracing, Perfetto (ui.perfetto.dev) and speedscope
// load. aiorun is one process (its real pid); each job is one thread
// (tid 1, 2, ... in the order the mode reports jobs) named after the job,
// so every job gets its own track:
//
//   - one complete event ("ph":"X") per attempt: name = the job, cat = its
//     outcome (ok, failed, timeout, cancelled), ts and dur in microseconds
//     from the start of the run, args = {attempt, pid, status,
//     exit_status (null unless the process exited on its own),
//     exception (null on success), host};
//   - instant events ("ph":"i", thread scope) for signals sent to the
//     job's process group (SIGTERM, SIGKILL), retries scheduled and
//     cancellations, with a detail in args;
//   - metadata ("ph":"M") naming the process and the threads.
//
// otherData carries the mode, the job file and the exit status.

type traceEvent struct {
	Name  string         `json:"name"`
	Cat   string         `json:"cat,omitempty"`
	Ph    string         `json:"ph"`
	Ts    float64        `json:"ts"`
	Dur   *float64       `json:"dur,omitempty"`
	Pid   int            `json:"pid"`
	Tid   int            `json:"tid"`
	Scope string         `json:"s,omitempty"`
	Args  map[string]any `json:"args,omitempty"`
}

type traceFile struct {
	TraceEvents     []traceEvent   `json:"traceEvents"`
	DisplayTimeUnit string         `json:"displayTimeUnit"`
	OtherData       map[string]any `json:"otherData"`
}

// WriteTrace writes run as Chrome trace-event JSON.
func WriteTrace(w io.Writer, run *Run) error {
	pid := os.Getpid()
	micros := func(t time.Time) float64 {
		return float64(t.Sub(run.Start).Round(time.Microsecond)) / float64(time.Microsecond)
	}
	tf := traceFile{DisplayTimeUnit: "ms", OtherData: map[string]any{
		"mode": string(run.Mode), "file": run.File, "exit_code": run.Result.ExitCode,
		"title": run.Title, "start": run.Start.UTC().Format(time.RFC3339Nano),
	}}
	if run.Result.Err != nil {
		tf.OtherData["error"] = run.Result.Err.Error()
	}
	ev := func(e traceEvent) { tf.TraceEvents = append(tf.TraceEvents, e) }
	ev(traceEvent{Name: "process_name", Ph: "M", Pid: pid, Args: map[string]any{"name": run.Title}})
	tids := make(map[string]int, len(run.Jobs))
	for i, j := range run.Jobs {
		tid := i + 1
		tids[j.Name] = tid
		ev(traceEvent{Name: "thread_name", Ph: "M", Pid: pid, Tid: tid, Args: map[string]any{"name": j.Name}})
		ev(traceEvent{Name: "thread_sort_index", Ph: "M", Pid: pid, Tid: tid, Args: map[string]any{"sort_index": tid}})
		for _, a := range j.Attempts {
			end := a.End
			if !a.Ended {
				end = run.End
			}
			dur := micros(end) - micros(a.Start)
			args := map[string]any{
				"attempt":     a.N,
				"pid":         a.Pid,
				"status":      StatusWord(a.Err),
				"exit_status": nil,
				"exception":   nil,
			}
			if code, sig, ok := exitOf(a.Err); ok {
				args["exit_status"] = code
			} else if sig != 0 {
				args["signal"] = sig
			}
			if a.Err != nil {
				args["exception"] = exception.As(a.Err).Repr()
				args["status_line"] = j.Name + ": " + StatusText(a.Err)
			}
			if a.Host != "" {
				args["host"] = a.Host
			}
			ev(traceEvent{Name: j.Name, Cat: StatusWord(a.Err), Ph: "X", Ts: micros(a.Start), Dur: &dur,
				Pid: pid, Tid: tid, Args: args})
		}
	}
	for _, in := range run.Instants {
		args := map[string]any{"job": in.Job, "detail": in.Detail}
		if in.Pid > 0 {
			args["pid"] = in.Pid
		}
		ev(traceEvent{Name: in.Name, Cat: "aiorun", Ph: "i", Scope: "t", Ts: micros(in.Time),
			Pid: pid, Tid: tids[in.Job], Args: args})
	}
	return writeTraceJSON(w, tf)
}

// writeTraceJSON writes tf with one event per line, so that the file can
// be read and diffed as well as loaded.
func writeTraceJSON(w io.Writer, tf traceFile) error {
	b := []byte(`{"traceEvents":[` + "\n")
	for i, e := range tf.TraceEvents {
		line, err := marshalNoHTML(e)
		if err != nil {
			return err
		}
		b = append(b, line...)
		if i < len(tf.TraceEvents)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	other, err := marshalNoHTML(tf.OtherData)
	if err != nil {
		return err
	}
	b = append(b, `],"displayTimeUnit":"ms","otherData":`...)
	b = append(b, other...)
	b = append(b, "}\n"...)
	_, err = w.Write(b)
	return err
}

func marshalNoHTML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
