// SPDX-License-Identifier: GPL-2.0-only
/* Broken on purpose: implements no callback, which the module refuses. */
#include <structops/bpf_testmod.bpf.h>

STRUCTOPS_POLICY(empty_ops) = {
	.name = "empty",
};
