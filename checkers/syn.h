/*
 * checkers/syn.h - the half-open TCP check behind tcp's mode = "syn": send
 * one SYN from a raw socket, pass on the SYN-ACK, fail on a RST; the
 * kernel itself answers the SYN-ACK with a RST, so the server never sees
 * an established connection (its accept() never returns it) and neither
 * side keeps any state.
 *
 * How the kernel is made to send that RST: the run binds an ordinary TCP
 * socket to the source address and an ephemeral port and never listens or
 * connects on it.  That reserves the port (no other connection of this
 * host can use it) while no socket accepts segments on it, so the SYN-ACK
 * meets "no such connection" and the kernel resets it.
 *
 * Needs CAP_NET_RAW (start() returns -EPERM without it: the run is
 * recorded as INTERNAL).  IPv4 and IPv6.  The raw socket carries a BPF
 * filter for the run's port, so it copies only the answers.  ICMP errors
 * are not read: an unreachable server is a timeout ("during syn").
 *
 * Details: "syn-ack in 2 ms" (ok), "syn: RST" (CHK_R_CONNREFUSED).
 */
#ifndef CHK_SYN_H
#define CHK_SYN_H

#include "monitor/probe.h"

int	chk_syn_start(struct probe *p);
void	chk_syn_cancel(struct probe *p);

#endif
