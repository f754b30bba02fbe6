# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034
# Shared helpers for the kernel lab scripts (fetch, build-initramfs, run).
# Sourced, never executed. Messages go to stderr; stdout is each script's result.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)
# Downloads live outside the work tree; build products go next to the rest of
# the build (.output/), so `make clean` drops them.
VM_CACHE=${PAVISE_CACHE:-$HOME/.cache/pavise}/vm
VM_OUT=${PAVISE_VM_OUT:-${OUTPUT:-$REPO_DIR/.output}/vm}
case "$VM_OUT" in /*) ;; *) VM_OUT=$REPO_DIR/$VM_OUT ;; esac

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() { printf 'vm: %s\n' "$*" >&2; exit 1; }

# vm_need_packages PKG...: installs the Debian packages that are missing, the
# way scripts/deps does (quietly, no recommends); a no-op when all are present.
vm_need_packages() {
	local p installed missing=()
	# dpkg-query fails when a package is unknown: that is the point here.
	installed=" $({ dpkg-query -W -f='${Package}:${Status}\n' "$@" 2>/dev/null || true; } |
		sed -n 's/:install ok installed$//p' | tr '\n' ' ') "
	for p in "$@"; do
		[[ $installed == *" $p "* ]] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	vm_log "installing ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq >&2 || return 1
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		vm_die "apt-get install ${missing[*]} failed"
}

# The host tools each step needs.
VM_PKGS_BUILD=(cpio busybox-static runc apparmor)
VM_PKGS_RUN=(qemu-system-x86)
