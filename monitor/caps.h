/*
 * monitor/caps.h - keep only the capabilities a running director needs.
 *
 * Once the loop is set up (netlink sockets, the control socket, the first
 * sync, the checks), lvsmond needs two capabilities:
 *   CAP_NET_ADMIN  every netlink message to the packet core (nft, ipvs) and
 *                  VIP addresses: the kernel checks each message, not the
 *                  socket
 *   CAP_NET_RAW    the raw sockets of the syn and icmp checks, opened per
 *                  run
 * Everything else goes, from the effective, permitted, inheritable and
 * ambient sets, and (with CAP_SETPCAP) from the bounding set.  The rest of
 * the work is done as uid 0 without DAC_OVERRIDE: the state file and the
 * control socket live in directories root owns, /proc is readable, the
 * children are signalled as the same uid.
 *
 * Children (exec checks, alert scripts) inherit nothing: with CAP_SETPCAP
 * the securebits "noroot" (locked) are set, so uid 0 no longer means every
 * capability across execve; a program gets only what its file grants (in
 * Debian check_icmp has cap_net_raw=ep), and never more than the bounding
 * set.  A setuid-root plugin gains nothing either.
 */
#ifndef MON_CAPS_H
#define MON_CAPS_H

#include "err.h"

/*
 * Drop to CAP_NET_ADMIN + CAP_NET_RAW (those of them the process has).
 * A process without capabilities (tests with backend "none") is left as
 * it is.  0, or -errno with e saying what could not be done.
 */
int	mon_caps_drop(struct err *e);

#endif
