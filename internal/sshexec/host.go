package sshexec

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Host is one entry of the hosts list (SPEC §9), as GNU parallel writes
// an sshlogin: [N/]HOST, [N/][USER@]HOST, [N/]ssh://[USER@]HOST[:PORT], or
// [N/]: for this machine.
type Host struct {
	Spec  string // as written
	Slots int    // jobs it runs at once (N/; 1 by default)
	User  string // "" for ssh's default
	Name  string // the host name: what `host:` matches, what events name
	Port  string // "" for ssh's default
	Local bool   // ":", this machine: jobs run here, without ssh
}

// LocalName is the host name of the ":" entry.
const LocalName = ":"

// Dest is the destination argument for ssh.
func (h Host) Dest() string { return h.Name }

// Matches reports whether a job's host key names h: its host name, the
// entry as written, or the entry without its slots.
func (h Host) Matches(name string) bool {
	if name == h.Name || name == h.Spec {
		return true
	}
	_, rest, ok := strings.Cut(h.Spec, "/")
	return ok && name == rest
}

// ParseHost reads one hosts entry.
func ParseHost(s string) (Host, error) {
	h := Host{Spec: s, Slots: 1}
	rest := strings.TrimSpace(s)
	if rest == "" {
		return h, fmt.Errorf("empty host")
	}
	if n, r, ok := strings.Cut(rest, "/"); ok && n != "" && isDigits(n) {
		slots, err := strconv.Atoi(n)
		if err != nil || slots < 1 {
			return h, fmt.Errorf("host %q: the number of slots must be at least 1", s)
		}
		h.Slots, rest = slots, r
	}
	if rest == ":" {
		h.Name, h.Local = LocalName, true
		return h, nil
	}
	if u, ok := strings.CutPrefix(rest, "ssh://"); ok {
		u = strings.TrimSuffix(u, "/")
		if user, r, ok := strings.Cut(u, "@"); ok {
			h.User, u = user, r
		}
		host, port := u, ""
		if strings.HasPrefix(u, "[") || strings.Count(u, ":") == 1 {
			var err error
			if host, port, err = net.SplitHostPort(u); err != nil {
				if strings.HasPrefix(u, "[") && strings.HasSuffix(u, "]") {
					host, port = u[1:len(u)-1], ""
				} else {
					return h, fmt.Errorf("host %q: %v", s, err)
				}
			}
		}
		if port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return h, fmt.Errorf("host %q: bad port %q", s, port)
			}
		}
		h.Name, h.Port = host, port
	} else {
		if user, r, ok := strings.Cut(rest, "@"); ok {
			h.User, rest = user, r
		}
		if strings.Contains(rest, ":") && net.ParseIP(rest) == nil {
			return h, fmt.Errorf("host %q: write a port as ssh://HOST:PORT", s)
		}
		h.Name = rest
	}
	switch {
	case h.Name == "":
		return h, fmt.Errorf("host %q: no host name", s)
	case strings.HasPrefix(h.Name, "-"):
		return h, fmt.Errorf("host %q: a host name cannot start with -", s)
	case strings.ContainsAny(h.Name, " \t\n/@"):
		return h, fmt.Errorf("host %q: bad host name %q", s, h.Name)
	case h.User != "" && (strings.HasPrefix(h.User, "-") || strings.ContainsAny(h.User, " \t\n/:")):
		return h, fmt.Errorf("host %q: bad user name %q", s, h.User)
	}
	return h, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ParseHostsFile reads a --hosts-file: one host a line; blank lines and
// lines starting with # are skipped, as GNU parallel's --sshloginfile.
func ParseHostsFile(data []byte) []string {
	var hosts []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		hosts = append(hosts, line)
	}
	return hosts
}

// SplitHosts reads --hosts: hosts separated by commas (GNU parallel's
// -S h1,h2).
func SplitHosts(s string) []string {
	var hosts []string
	for h := range strings.SplitSeq(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}
