package remote

import "strings"

// Local-only variables: paths on aiorun's machine, meaningless elsewhere
// (SPEC §9). They are never sent to a remote job.
const (
	envValues     = "AIORUN_VALUES"
	envCancelFile = "AIORUN_CANCEL_FILE"
)

// Travelling returns the entries of vars (task.Spec.Vars: what the job
// file and aiorun set, not aiorun's inherited environment) that are sent
// to a remote job: all but the local-only ones and names no shell can
// export. Values may hold any byte but NUL; Quote keeps them whole.
func Travelling(vars []string) []string {
	out := make([]string, 0, len(vars))
	for _, kv := range vars {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == envValues || k == envCancelFile || !ValidName(k) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// ValidName reports whether s is a name a POSIX shell can export:
// [A-Za-z_][A-Za-z0-9_]*.
func ValidName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}
