#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Shared settings and helpers for the e2e/cluster scripts (sourced, not run).
# shellcheck disable=SC2034  # the variables are used by the scripts that source this
#
# Versions are pinned here; change them together and run ./build again.
# Binaries land in ${PAVISE_CACHE:-$HOME/.cache/pavise}/cluster/<k8s>/bin.

# Kubernetes release whose modules build on this machine (see README.md:
# v1.37.2 is listed by the module proxy but its zip is refused).
K8S_VERSION=${PAVISE_K8S_VERSION:-v1.37.1}
# etcd 3.5, a supported backend for this apiserver.
ETCD_VERSION=${PAVISE_ETCD_VERSION:-v3.5.35}
# kwok fakes the kubelet: node heartbeats and pod status.
KWOK_VERSION=${PAVISE_KWOK_VERSION:-v0.8.0}

CLUSTER_CACHE=${PAVISE_CACHE:-$HOME/.cache/pavise}/cluster/${K8S_VERSION}
CLUSTER_BIN=${CLUSTER_CACHE}/bin
CLUSTER_DIR=${PAVISE_CLUSTER_DIR:-/tmp/pavise-cluster}

# Everything talks over loopback only.
CLUSTER_HOST=127.0.0.1

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# free_port [TAKEN...]: print a TCP port on 127.0.0.1 that nothing listens
# on now and that is not one of TAKEN. The range 20000-31999 stays below
# Linux's ephemeral ports (32768+), which outgoing connections use.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$(( (RANDOM % 12000) + 20000 ))
		[[ " $* " == *" $p "* ]] && continue
		if ! (exec 3<>"/dev/tcp/${CLUSTER_HOST}/${p}") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# pid_alive PIDFILE: true if the process recorded there still runs.
pid_alive() {
	local pid
	[[ -s $1 ]] || return 1
	pid=$(<"$1")
	[[ $pid =~ ^[0-9]+$ ]] && running "$pid"
}

# running PID: the process exists and is not a zombie waiting to be reaped
# (daemons outlive up, so whoever adopts them reaps them, maybe late).
running() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[[ $st != Z && $st != X ]]
}

# stop_pidfile PIDFILE [GRACE]: TERM the recorded process, wait up to GRACE
# seconds (default 10; 0 = no TERM at all), then KILL it.
stop_pidfile() {
	local f=$1 grace=${2:-10} pid
	[[ -s $f ]] || { rm -f "$f"; return 0; }
	pid=$(<"$f")
	if [[ $pid =~ ^[0-9]+$ ]] && running "$pid"; then
		(( grace > 0 )) && kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 $(( grace * 10 ))); do
			running "$pid" || break
			sleep 0.1
		done
		if running "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			for _ in $(seq 1 50); do
				running "$pid" || break
				sleep 0.1
			done
		fi
	fi
	rm -f "$f"
}

# wait_for SECONDS DESCRIPTION CMD...: retry CMD every half second.
wait_for() {
	local secs=$1 what=$2 end
	shift 2
	end=$(( $(date +%s) + secs ))
	while (( $(date +%s) < end )); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.5
	done
	log "timed out after ${secs}s waiting for ${what}"
	return 1
}

# --- state dir layout (shared by up, down, restart-apiserver, smoke) ---
# $CLUSTER_DIR/pki           CA, serving and client certs, SA keys
# $CLUSTER_DIR/*.kubeconfig  admin.kubeconfig, user.kubeconfig, ...
# $CLUSTER_DIR/run/*.pid     one per process started by up
# $CLUSTER_DIR/run/*.args    the argv each process was started with
# $CLUSTER_DIR/logs/*.log    each process's output
# $CLUSTER_DIR/cluster.env   ports, paths, versions (sourceable)

# start_daemon NAME: start $CLUSTER_BIN/<binary> with the argv recorded in
# run/NAME.args (first line: binary name; one argument per line after),
# detached in its own session, and record its pid in run/NAME.pid.
start_daemon() {
	local name=$1 args=() bin
	mapfile -t args <"$CLUSTER_DIR/run/$name.args"
	bin=${args[0]}
	args=("${args[@]:1}")
	if pid_alive "$CLUSTER_DIR/run/$name.pid"; then
		die "$name already runs (pid $(<"$CLUSTER_DIR/run/$name.pid"))"
	fi
	# The subshell closes every inherited fd above 2 (our lock fds, a
	# caller's pipes) and execs setsid, which execs the daemon without a
	# fork (a subshell is no process-group leader), so $! is the daemon.
	(
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			if (( fd > 2 )); then eval "exec $fd>&-"; fi
		done
		exec setsid "$CLUSTER_BIN/$bin" "${args[@]}"
	) </dev/null >>"$CLUSTER_DIR/logs/$name.log" 2>&1 &
	echo $! >"$CLUSTER_DIR/run/$name.pid"
}

# kubectl with the admin identity of the running cluster.
kc() { "$CLUSTER_BIN/kubectl" --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" "$@"; }

# apiserver_ready: /readyz answers ok (checked with the admin cert).
apiserver_ready() {
	[[ $(curl -sS --max-time 5 --cacert "$CLUSTER_DIR/pki/ca.crt" \
		--cert "$CLUSTER_DIR/pki/admin.crt" --key "$CLUSTER_DIR/pki/admin.key" \
		"https://$CLUSTER_HOST:$APISERVER_PORT/readyz" 2>/dev/null) == ok ]]
}

# wait_apiserver SECONDS: wait for /readyz while checking that the process
# did not die.
wait_apiserver() {
	local end=$(( $(date +%s) + $1 ))
	while (( $(date +%s) < end )); do
		apiserver_ready && return 0
		if ! pid_alive "$CLUSTER_DIR/run/kube-apiserver.pid"; then
			log "kube-apiserver exited; last log lines:"
			tail -n 20 "$CLUSTER_DIR/logs/kube-apiserver.log" >&2 || true
			return 1
		fi
		sleep 0.5
	done
	log "kube-apiserver not ready after $1s; see $CLUSTER_DIR/logs/kube-apiserver.log"
	return 1
}

# issue_cert CADIR DIR NAME SUBJECT USAGE [SAN...]: DIR/NAME.key (EC P-256)
# and DIR/NAME.crt signed by CADIR/ca.{crt,key}. USAGE is server, client or
# both; each SAN is DNS:name or IP:addr.
issue_cert() {
	local ca=$1 dir=$2 name=$3 subj=$4 usage=$5 eku sans=""
	shift 5
	case $usage in
	server) eku=serverAuth ;;
	client) eku=clientAuth ;;
	both) eku=serverAuth,clientAuth ;;
	*) die "issue_cert: bad usage $usage" ;;
	esac
	if (( $# )); then
		sans=$(IFS=,; echo "subjectAltName=$*")
	fi
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$dir/$name.key" 2>/dev/null
	chmod 600 "$dir/$name.key"
	openssl req -new -key "$dir/$name.key" -subj "$subj" -out "$dir/$name.csr"
	printf '%s\n' '[ext]' 'basicConstraints=critical,CA:FALSE' \
		'keyUsage=critical,digitalSignature,keyEncipherment' \
		"extendedKeyUsage=$eku" 'authorityKeyIdentifier=keyid' \
		${sans:+"$sans"} >"$dir/$name.ext"
	openssl x509 -req -in "$dir/$name.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" \
		-set_serial "0x$(openssl rand -hex 12)" -days 365 \
		-extfile "$dir/$name.ext" -extensions ext -out "$dir/$name.crt" 2>/dev/null
	rm -f "$dir/$name.csr" "$dir/$name.ext"
}
