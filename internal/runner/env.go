package runner

import "github.com/aiorun/aiorun/internal/jobfile"

// baseEnv is the environment every job of a run starts from, made once:
// the inherited environment, then the job file's env (a later entry for a
// name replaces the earlier one in its place).
type baseEnv struct {
	entries []string       // deduplicated, in order
	index   map[string]int // name -> position in entries
	file    []string       // the job file's entries (for task.Spec.Vars)
}

func newBaseEnv(inherited []string, file []jobfile.EnvVar) *baseEnv {
	b := &baseEnv{index: make(map[string]int, len(inherited)+len(file))}
	b.file = make([]string, 0, len(file))
	for _, v := range file {
		b.file = append(b.file, v.Name+"="+v.Value)
	}
	for _, list := range [][]string{inherited, b.file} {
		for _, kv := range list {
			k, _, _ := cutEnv(kv)
			if i, ok := b.index[k]; ok {
				b.entries[i] = kv
				continue
			}
			b.index[k] = len(b.entries)
			b.entries = append(b.entries, kv)
		}
	}
	b.file = dedupEnv(b.file)
	return b
}

// with returns the base environment with vars set over it (vars in
// order, a later entry for a name winning), as one new slice; the base
// is not changed.
func (b *baseEnv) with(vars []string) []string {
	env := make([]string, len(b.entries), len(b.entries)+len(vars))
	copy(env, b.entries)
	for _, kv := range vars {
		k, _, _ := cutEnv(kv)
		if i, ok := b.index[k]; ok {
			env[i] = kv
			continue
		}
		if i := indexEnv(env[len(b.entries):], k); i >= 0 {
			env[len(b.entries)+i] = kv
			continue
		}
		env = append(env, kv)
	}
	return env
}

// dedupEnv keeps the last entry of each name, in first-seen order, as
// exec does.
func dedupEnv(env []string) []string {
	out := make([]string, 0, len(env))
	if len(env) <= 32 {
		for _, kv := range env {
			k, _, _ := cutEnv(kv)
			if i := indexEnv(out, k); i >= 0 {
				out[i] = kv
				continue
			}
			out = append(out, kv)
		}
		return out
	}
	seen := make(map[string]int, len(env))
	for _, kv := range env {
		k, _, _ := cutEnv(kv)
		if i, ok := seen[k]; ok {
			out[i] = kv
			continue
		}
		seen[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// indexEnv is the position of name's entry in env, or -1.
func indexEnv(env []string, name string) int {
	for i, kv := range env {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return i
		}
	}
	return -1
}
