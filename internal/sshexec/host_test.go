package sshexec

import (
	"slices"
	"testing"
)

func TestParseHost(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Host
		err  string
	}{
		{in: "build1", want: Host{Spec: "build1", Slots: 1, Name: "build1"}},
		{in: "4/build1", want: Host{Spec: "4/build1", Slots: 4, Name: "build1"}},
		{in: "ci@build2", want: Host{Spec: "ci@build2", Slots: 1, User: "ci", Name: "build2"}},
		{in: "ssh://ci@build2.example.com:2222", want: Host{Spec: "ssh://ci@build2.example.com:2222", Slots: 1, User: "ci", Name: "build2.example.com", Port: "2222"}},
		{in: "2/ssh://build3", want: Host{Spec: "2/ssh://build3", Slots: 2, Name: "build3"}},
		{in: "ssh://[::1]:22", want: Host{Spec: "ssh://[::1]:22", Slots: 1, Name: "::1", Port: "22"}},
		{in: "ssh://[::1]", want: Host{Spec: "ssh://[::1]", Slots: 1, Name: "::1"}},
		{in: "::1", want: Host{Spec: "::1", Slots: 1, Name: "::1"}},
		{in: ":", want: Host{Spec: ":", Slots: 1, Name: ":", Local: true}},
		{in: "8/:", want: Host{Spec: "8/:", Slots: 8, Name: ":", Local: true}},
		{in: "", err: "empty host"},
		{in: "0/h", err: `host "0/h": the number of slots must be at least 1`},
		{in: "h:22", err: `host "h:22": write a port as ssh://HOST:PORT`},
		{in: "ssh://h:99999", err: `host "ssh://h:99999": bad port "99999"`},
		{in: "ssh://ci@", err: `host "ssh://ci@": no host name`},
		{in: "-oProxyCommand=x", err: `host "-oProxyCommand=x": a host name cannot start with -`},
		{in: "a b", err: `host "a b": bad host name "a b"`},
		{in: "-x@h", err: `host "-x@h": bad user name "-x"`},
	} {
		got, err := ParseHost(tc.in)
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseHost(%q) error %v, want %s", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("ParseHost(%q): %v", tc.in, err)
		case got != tc.want:
			t.Errorf("ParseHost(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestHostMatches(t *testing.T) {
	h, _ := ParseHost("4/ssh://ci@build2:2222")
	for name, want := range map[string]bool{
		"build2": true, "4/ssh://ci@build2:2222": true, "ssh://ci@build2:2222": true,
		"ci@build2": false, "build": false, "4/build2": false,
	} {
		if h.Matches(name) != want {
			t.Errorf("Matches(%q) = %v, want %v", name, !want, want)
		}
	}
}

func TestHostLists(t *testing.T) {
	if got, want := SplitHosts(" h1, 2/h2,,:"), []string{"h1", "2/h2", ":"}; !slices.Equal(got, want) {
		t.Errorf("SplitHosts = %q, want %q", got, want)
	}
	file := "# build hosts\nh1\n\n  4/h2  \n#h3\n:\n"
	if got, want := ParseHostsFile([]byte(file)), []string{"h1", "4/h2", ":"}; !slices.Equal(got, want) {
		t.Errorf("ParseHostsFile = %q, want %q", got, want)
	}
}
