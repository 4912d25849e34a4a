package cmd

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aiorun/aiorun/internal/app"
)

// TestRemoteSettings: flags and the environment set Remote (they win over
// the job file), the config file sets RemoteDefaults (the job file wins
// over it).
func TestRemoteSettings(t *testing.T) {
	for _, tc := range []struct {
		name            string
		config          string
		env             map[string]string
		args            []string
		remote, config_ app.Remote
	}{
		{name: "nothing"},
		{name: "flags", args: []string{"--executor", "ssh", "--hosts", "4/h1, h2", "--ssh-command", "ssh -F 'my config'", "--slurm-args", "--partition=short -A ci", "--hosts-file", "hosts.txt"},
			remote: app.Remote{Executor: "ssh", Hosts: []string{"4/h1", "h2"}, HostsFrom: "--hosts", HostsFile: "hosts.txt", SSHCommand: "ssh -F 'my config'", SlurmArgs: []string{"--partition=short", "-A", "ci"}}},
		{name: "environment", env: map[string]string{"AIORUN_EXECUTOR": "slurm", "AIORUN_HOSTS": ":"},
			remote: app.Remote{Executor: "slurm", Hosts: []string{":"}, HostsFrom: "AIORUN_HOSTS"}},
		{name: "config", config: "executor: ssh\nhosts: [h1, 2/h2]\nssh-command: ssh -q\n",
			config_: app.Remote{Executor: "ssh", Hosts: []string{"h1", "2/h2"}, HostsFrom: "hosts in .aiorun.yaml", SSHCommand: "ssh -q"}},
		{name: "flag over config", config: "executor: ssh\n", args: []string{"--executor", "local"},
			remote: app.Remote{Executor: "local"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := resolve(t, tc.config, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(opts.Remote, tc.remote) || !reflect.DeepEqual(opts.RemoteDefaults, tc.config_) {
				t.Errorf("Remote %+v\nRemoteDefaults %+v\nwant %+v\nand %+v", opts.Remote, opts.RemoteDefaults, tc.remote, tc.config_)
			}
		})
	}
}

func TestRemoteSettingErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--executor", "k8s"}, want: `--executor: want local, ssh or slurm, got "k8s"`},
		{env: map[string]string{"AIORUN_EXECUTOR": "SSH"}, want: `AIORUN_EXECUTOR: want local, ssh or slurm, got "SSH"`},
		{args: []string{"--ssh-command", "ssh -F 'x"}, want: `--ssh-command: want an ssh command, got "ssh -F 'x"`},
		{args: []string{"--slurm-args", `"unterminated`}, want: `--slurm-args: unterminated "`},
	} {
		_, err := resolve(t, "", tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want %q", tc.args, tc.env, err, tc.want)
		}
	}
}
