#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# jzram run: this command acts on the emulated machine, not on the host's kernel. Its name and
# arguments go to the run's control file; what comes back is a snippet that prints the command's
# stdout and stderr (kmod's and util-linux's messages, from jzram's shell) and exits with its status.
exec 3<>'@CTL@' || exit 1
printf '%s\0' "${0##*/}" "$@" >&3
eval "$(cat <&3)"
