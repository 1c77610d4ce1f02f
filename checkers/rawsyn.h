/*
 * checkers/rawsyn.h - the batched half-open prober behind tcp's
 * mode = "raw": the same check as mode "syn" (SYN out, SYN-ACK passes, RST
 * fails, the kernel resets the SYN-ACK so the server never completes a
 * connection), but one engine serves every such probe of the daemon with
 * no socket per check:
 *
 * - one raw IPPROTO_TCP socket per address family sends SYNs and reads the
 *   answers.  The SYNs of every run started in one loop turn leave in
 *   batches through sendmmsg(); the answers come back through recvmmsg(),
 *   after a classic BPF filter in the kernel has dropped every TCP segment
 *   that is not a SYN-ACK or RST to our source ports;
 * - the source ports: a fixed range of RAWSYN_NPORTS consecutive ports,
 *   reserved at open by TCP sockets bound to the wildcard address that
 *   never listen (see syn.h for why the kernel then resets the SYN-ACK);
 *   each run takes the next port of its target's rotation;
 * - an answer is matched to its run by a hash table on (address, port) and
 *   by our initial sequence number, a keyed hash of the target, the source
 *   port and the run's generation (a cookie: a forged or late answer, or
 *   one to an earlier run, does not match);
 * - the source address of each target (needed for the v4 checksum) is the
 *   kernel's route choice, asked once per target with a connected UDP
 *   socket and asked again after a run that did not pass.
 *
 * open() (at the scheduler's start, so before any privilege drop) takes a
 * reference on the engine and its sockets; the last close() frees it.
 * Needs CAP_NET_RAW: without it open() and start() return -EPERM (the run
 * is recorded as INTERNAL).  IPv4 and IPv6.  ICMP errors are not read: an
 * unreachable server is a timeout ("during syn").
 *
 * Details as mode "syn": "syn-ack in 2 ms" (ok), "syn: RST"
 * (CHK_R_CONNREFUSED), "syn: ENETUNREACH" (CHK_R_CONNECT).
 */
#ifndef CHK_RAWSYN_H
#define CHK_RAWSYN_H

#include <stdint.h>

#include "monitor/probe.h"

#define RAWSYN_NPORTS	32

int	chk_rawsyn_open(struct probe *p);
void	chk_rawsyn_close(struct probe *p);
int	chk_rawsyn_start(struct probe *p);
void	chk_rawsyn_cancel(struct probe *p);

struct chk_rawsyn_stats {
	uint64_t	sent;		/* SYNs handed to the kernel */
	uint64_t	batches;	/* sendmmsg() calls */
	uint64_t	answers;	/* segments the filter let through */
	uint64_t	matched;	/* ... that ended a run */
	unsigned	targets;	/* probes attached */
	uint16_t	port0;		/* first reserved source port, 0 if
					   the engine is not open */
};
void	chk_rawsyn_stats(struct chk_rawsyn_stats *st);

#endif
