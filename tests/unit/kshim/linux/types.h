/* The system's <linux/types.h> plus the kernel-internal names that
 * kmod/pkcs7_signer.c uses, so the unit tests build that file unchanged. */
#pragma once
#include_next <linux/types.h>
#include <stddef.h>
typedef __u8 u8;
