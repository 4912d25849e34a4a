#!/bin/sh
# ssh-up.sh DIR: start a private sshd on 127.0.0.1 for aiorun's end-to-end
# tests (make test-remote), with its own host key, user key and
# authorized_keys under DIR, and write DIR/ssh_config, a client config with
# several Host aliases for it (h1, h2, h3, h-alias) and one dead alias
# (dead) pointing at a closed port. Stop it with ssh-down.sh DIR.
#
# Jobs log in as a dedicated unprivileged user, aiorun-test (made here when
# missing), whose login shell is /bin/sh and whose home is DIR/home: a
# clean login, so that what is measured is aiorun's cost, not a login
# shell's start-up files, and so that the tests also show that a job needs
# nothing of root on the host. Set AIORUN_TEST_SSH_USER to log in as
# another (existing) user instead.
#
# Facts behind the settings: /work/shared/CLUSTERS.md (sshd refuses to start
# without /run/sshd; keys under /tmp fail StrictModes; many concurrent jobs
# need MaxStartups and MaxSessions raised).
set -eu
dir=${1:?usage: ssh-up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || { echo "ssh-up: sshd not found (apt-get install openssh-server)" >&2; exit 1; }
command -v ssh >/dev/null || { echo "ssh-up: ssh not found (apt-get install openssh-client)" >&2; exit 1; }
mkdir -p /run/sshd
chmod 0755 /run/sshd

user=${AIORUN_TEST_SSH_USER:-aiorun-test}
if [ "$user" = aiorun-test ]; then
	mkdir -p "$dir/home"
	if ! getent passwd aiorun-test >/dev/null; then
		useradd --system --no-create-home --home-dir "$dir/home" --shell /bin/sh aiorun-test
	else
		usermod --home "$dir/home" --shell /bin/sh aiorun-test
	fi
	# An account without a password is locked ("!"), and sshd without PAM
	# refuses locked accounts even for keys: "*" is no password, unlocked.
	usermod --password '*' aiorun-test
	chown aiorun-test "$dir/home"
	chmod 0755 "$dir" "$dir/home"
fi

rm -f "$dir/host_key" "$dir/host_key.pub" "$dir/user_key" "$dir/user_key.pub"
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$dir/user_key"
cp "$dir/user_key.pub" "$dir/authorized_keys"
chmod 644 "$dir/authorized_keys"

# A port nothing listens on, for the dead host: bind it now and never
# listen, which makes the kernel refuse connections to it at once.
dead_port=1

start() {
	port=$1
	cat > "$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
MaxStartups 500:30:1000
MaxSessions 500
LogLevel ERROR
PrintMotd no
AcceptEnv NONE
CONF
	rm -f "$dir/sshd.pid"
	"$sshd" -f "$dir/sshd_config" -E "$dir/sshd.log"
}

# Try a few random high ports until one binds.
tries=0
while :; do
	port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
	if start "$port"; then
		i=0
		while [ ! -s "$dir/sshd.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		if [ -s "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then
			break
		fi
	fi
	tries=$((tries + 1))
	if [ $tries -ge 10 ]; then
		echo "ssh-up: sshd did not start; its log:" >&2
		cat "$dir/sshd.log" >&2 2>/dev/null || true
		exit 1
	fi
done
echo "$port" > "$dir/port"

{
	for alias in h1 h2 h3 h-alias; do
		cat <<CONF
Host $alias
  HostName 127.0.0.1
  Port $port
CONF
	done
	cat <<CONF
Host dead
  HostName 127.0.0.1
  Port $dead_port
Host *
  User $user
  IdentityFile $dir/user_key
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  GlobalKnownHostsFile /dev/null
  LogLevel ERROR
  ConnectTimeout 5
CONF
} > "$dir/ssh_config"

# It answers: one command through it.
i=0
until ssh -F "$dir/ssh_config" h1 true 2>"$dir/ssh-check.log"; do
	i=$((i + 1))
	if [ $i -ge 50 ]; then
		echo "ssh-up: cannot log in to the test sshd on port $port:" >&2
		cat "$dir/ssh-check.log" "$dir/sshd.log" >&2 2>/dev/null || true
		exit 1
	fi
	sleep 0.1
done
echo "ssh-up: sshd pid $(cat "$dir/sshd.pid") on 127.0.0.1:$port; client config $dir/ssh_config"
