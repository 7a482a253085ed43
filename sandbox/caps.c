// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Capability sets, with libcap-ng. capng_apply(CAPNG_SELECT_ALL) writes the
 * effective, permitted and inheritable sets, the ambient set and the
 * bounding set; dropping from the bounding set needs CAP_SETPCAP, which
 * libcap-ng checks against the *current* process, so one apply can drop
 * CAP_SETPCAP itself together with everything else (libcap-ng 0.8.3 does
 * it in that order: bounding set first, then capset()).
 *
 * The broker keeps, after start-up (caps_limit_broker):
 *   CAP_SYS_ADMIN  clone() with CLONE_NEWPID/NEWNS/NEWNET/NEWIPC for every
 *                  worker, and in the worker child: mount() (propagation,
 *                  tmpfs, read-only remount), pivot_root(), umount2()
 *   CAP_SETPCAP    in the worker child: drop the bounding set, lock the
 *                  securebits
 * Nothing else is needed after start-up: the helper was already started
 * (its pid ns clone and exec happened with full privileges), the sockets
 * are bound, kill()/waitpid() on our own children need no capability (same
 * uid), lowering rlimits needs none, and unlinking our socket files needs
 * only write access to their directory as our uid (true for root-owned
 * directories; a directory writable only through CAP_DAC_OVERRIDE leaves a
 * stale socket file, which the next start replaces). Both are also in the
 * bounding set, and nothing else is: an exec could not bring any back.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cap-ng.h>
#include <linux/securebits.h>

#include "jail.h"
#include "log.h"

/*
 * libcap-ng keeps its state per thread and resets it in a pthread_atfork
 * child handler, which a raw clone() (jail_clone) does not run: a worker
 * would inherit the broker's pid in the capget/capset header and fail with
 * EPERM. Pid 0 means "this thread" to the kernel. Its bounding set reader
 * also trusts /proc/<tid>/status, wrong inside a pid namespace while /proc
 * is still the parent's, so reads here go to the kernel directly.
 */
static void caps_self(void)
{
	capng_setpid(0);
	capng_get_caps_process();
}

static int caps_read(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

	return syscall(SYS_capget, &h, d) < 0 ? -errno : 0;
}

bool caps_have_effective(unsigned int cap)
{
	struct __user_cap_data_struct d[2];

	if (cap >= 64 || caps_read(d) < 0)
		return false;
	return d[cap / 32].effective & (1U << (cap % 32));
}

/* Every set empty, as the kernel sees it. */
static bool caps_none(void)
{
	struct __user_cap_data_struct d[2];

	if (caps_read(d) < 0)
		return false;
	for (unsigned int i = 0; i < 2; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return false;
	for (unsigned int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0 ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) > 0)
			return false;
	return true;
}

int caps_drop_all(void)
{
	caps_self();
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(CAPNG_SELECT_ALL) < 0)
		return errno ? -errno : -EPERM;
	/* Trust, but check: a set the library skipped must not go unnoticed. */
	return caps_none() ? 0 : -EPERM;
}

int caps_limit_broker(void)
{
	static const unsigned int keep[] = { CAP_SYS_ADMIN, CAP_SETPCAP };
	struct __user_cap_data_struct d[2];

	if (caps_read(d) < 0)
		return -errno;
	/* Not root: nothing to give up, and no CAP_SETPCAP to touch the bounding set. */
	if (!d[0].permitted && !d[1].permitted) {
		log_debug("no capabilities to drop (workers get a user namespace)");
		return 0;
	}
	for (unsigned int i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (!(d[keep[i] / 32].permitted & (1U << (keep[i] % 32)))) {
			log_err("capabilities: %s is not permitted; run as root or without any "
				"capability", capng_capability_to_name(keep[i]));
			return -EPERM;
		}
	}
	caps_self();
	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned int i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			     keep[i]);
	if (capng_apply(CAPNG_SELECT_ALL) < 0) {
		log_err("capabilities: cannot drop to CAP_SYS_ADMIN + CAP_SETPCAP");
		return -EPERM;
	}
	return 0;
}

/*
 * SECBIT_NOROOT: uid 0 gains no capabilities from execve(); NO_SETUID_FIXUP:
 * uid changes do not touch the sets; NO_CAP_AMBIENT_RAISE; all locked.
 */
int caps_lock_securebits(void)
{
	unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
			     SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

	return prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0 ? -errno : 0;
}
