#!/bin/bash
# Second stage of the guest's init: PID 1, chrooted into the root that
# initramfs-init built (with vm-run --systemd: the service of systemd's
# job), using the host's own bash and util-linux.  Runs the
# job vm-run packed into the initramfs, reports its exit status and the
# kernel log over virtio-serial ports, and powers off.
#
# No `set -e`: whatever fails, the guest must still report and power off.
set -uo pipefail

rc=125

# The device node of the virtio-serial port vm-run named $1.  Names, not
# numbers: the numbering is QEMU's business.
port() {
	local f name
	for f in /sys/class/virtio-ports/*/name; do
		read -r name <"$f" || continue
		if [ "$name" = "$1" ]; then
			f=${f%/name}
			echo "/dev/${f##*/}"
			return
		fi
	done
	echo /dev/null
}

finish() {
	# dmesg rather than the serial console: it has every level, and a
	# console (threaded on PREEMPT_RT) may not be flushed before power-off.
	dmesg >"$(port structops.kmsg)"
	echo "@@STRUCTOPS-EXIT rc=$rc@@" >"$(port structops.status)"
	echo o >/proc/sysrq-trigger
	sleep 60
}
trap finish EXIT

# Notes go where the command's output goes, so the user sees them.
note() { echo "vm-run guest: $*" >"$(port structops.out)"; }

. /run/structops/job.sh || { note "cannot read the job"; exit; }
if [ "$STRUCTOPS_VM_TRACE" = 1 ]; then
	# Timestamped trace on the serial console, to see where time goes.
	PS4='+ ${EPOCHREALTIME} '
	set -x
fi

if ! cd "$STRUCTOPS_VM_CWD"; then
	note "working directory $STRUCTOPS_VM_CWD does not exist in the guest"
	exit
fi

# A clean environment: only what vm-run chose to pass through.
# shellcheck disable=SC2154 # job_env and job_cmd come from job.sh
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 "${job_env[@]}" "${job_cmd[@]}" \
	</dev/null >"$(port structops.out)" 2>&1
rc=$?
exit
