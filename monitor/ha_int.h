/*
 * monitor/ha_int.h - the failover room's inside: the heartbeat's wire
 * format (ha_wire.c), the role decision (ha_fsm.c), the director block
 * (ha_conf.c).  ha.c runs them on the loop; the unit tests call them
 * directly, which is why the decisions are pure functions.
 */
#ifndef MON_HA_INT_H
#define MON_HA_INT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libconfig.h>

#include "err.h"
#include "ha.h"

/*
 * The heartbeat, one UDP datagram, every field in network order:
 *
 *	0  4  magic "LVHA"
 *	4  1  version (1)
 *	5  1  role (enum mon_ha_role)
 *	6  1  priority (0..255; 0: leaving or resigning, never master)
 *	7  1  flags (MON_HA_F_*)
 *	8  4  config generation (the sender's reloads, for show)
 *	12 8  epoch: the sender's boot nonce (CLOCK_REALTIME ns at start):
 *	      a restarted peer starts a new, larger one, so its sequence may
 *	      start over without looking replayed
 *	20 8  sequence, +1 per datagram within an epoch
 *	28 32 HMAC-SHA256 over bytes 0..27 with the shared key
 */
#define MON_HA_MAGIC		"LVHA"
#define MON_HA_VERSION		1
#define MON_HA_HDR_LEN		28
#define MON_HA_MAC_LEN		32
#define MON_HA_PKT_LEN		(MON_HA_HDR_LEN + MON_HA_MAC_LEN)

#define MON_HA_F_PREEMPT	0x01	/* the sender preempts a lower
					   master: that master yields */
#define MON_HA_F_LEAVING	0x02	/* the sender stops now (SIGTERM) */

struct mon_ha_msg {
	uint8_t		role;
	uint8_t		priority;
	uint8_t		flags;
	uint32_t	generation;
	uint64_t	epoch;
	uint64_t	seq;
};

/* Fill buf (MON_HA_PKT_LEN bytes).  0, or -EIO if OpenSSL fails. */
int	mon_ha_wire_encode(const struct mon_ha_msg *m, const uint8_t *key,
	    size_t keylen, uint8_t *buf);
/*
 * Check and parse one datagram: 0; -EBADMSG not a heartbeat (length,
 * magic, version, role out of range); -EPERM the HMAC does not match.
 */
int	mon_ha_wire_decode(const uint8_t *buf, size_t len, const uint8_t *key,
	    size_t keylen, struct mon_ha_msg *m);

/*
 * Replay protection, per peer: a datagram is accepted when its epoch is
 * newer than the last accepted one (the peer restarted), or the same
 * epoch with a larger sequence.  An older epoch or a sequence already
 * seen is a replay.  Datagrams that arrive out of order within an epoch
 * are dropped too: a heartbeat only matters when it is the newest.
 */
struct mon_ha_replay {
	uint64_t	epoch;		/* 0: nothing accepted yet */
	uint64_t	seq;
};
/* 0 accepted (and remembered), -EALREADY replayed. */
int	mon_ha_replay_check(struct mon_ha_replay *r, uint64_t epoch,
	    uint64_t seq);

/*
 * The role decision.  The state machine (roles in ha.h):
 *
 *	      start
 *	        |
 *	      INIT --(a live peer is master)---------------> BACKUP
 *	        |  (one dead interval heard nobody master)     ^  |
 *	        v                                              |  |
 *	   highest-ranked live director?  yes -> MASTER -------+  |
 *	                                            ^  (outranked)|
 *	                                            +-------------+
 *	                                        (no live master, we rank
 *	                                         first; or preempt)
 *	   own health bad (tracked interface down): any -> FAULT,
 *	   back to the decision when it recovers.
 *
 * From / event / to / action:
 *	INIT	a live peer says MASTER		BACKUP	 (remove VIPs)
 *	INIT	dead interval over, we rank first  MASTER  add VIPs, announce
 *	BACKUP	no live master, we rank first	MASTER	 add VIPs, announce
 *		("peer dead" if a master just went silent or left)
 *	BACKUP	preempt on, we outrank the master (priority strictly
 *		higher): stay BACKUP with F_PREEMPT set; the master yields,
 *		then the rule above makes us MASTER ("preempted").  So the
 *		handover leaves a short gap, never two holders.
 *	MASTER	a live master outranks us (split brain healed)  BACKUP
 *	MASTER	a live BACKUP (not INIT) with F_PREEMPT has a higher
 *		priority				BACKUP
 *	MASTER	our priority went to 0 (failover requested)  BACKUP
 *	any	tracked interface down, or the packet core failing
 *						FAULT	 remove VIPs
 *	MASTER	priority lowered (quorum_penalty: services without
 *		quorum) below a preempting backup's	BACKUP	 ("priority
 *							 lowered")
 *
 * Rank: higher priority, then the higher address (bytes, v4 < v6).
 * Priority 0 never ranks (resigning, leaving, faulty).
 */
struct mon_ha_fsm_peer {
	int		 alive;
	int		 role;			/* enum mon_ha_role */
	int		 priority;
	int		 preempt;		/* said MON_HA_F_PREEMPT */
	int		 family;
	uint8_t		 addr[16];
};

struct mon_ha_fsm_in {
	int		 role;			/* ours now */
	int		 priority;		/* ours, effective */
	int		 preempt;		/* our config (and not after a
						   requested failover) */
	int		 fault;			/* own health out */
	int		 init_over;		/* INIT's dead interval passed */
	int		 family;
	uint8_t		 addr[16];		/* ours, for the tiebreak */
	const struct mon_ha_fsm_peer *peers;
	size_t		 npeers;
};

/* Does (pa, fa, aa) outrank (pb, fb, ab)?  1 or 0. */
int	mon_ha_outranks(int pa, int fa, const uint8_t *aa, int pb, int fb,
	    const uint8_t *ab);
/* The role to take now; *reason a static string when it differs. */
int	mon_ha_decide(const struct mon_ha_fsm_in *in, const char **reason);

/* The director block as parsed (immutable; ha.c keeps it in the model). */
struct mon_ha_addr {
	char		*text;			/* as written */
	int		 family;
	uint8_t		 addr[16];
	int		 plen;			/* VIPs only */
	char		*ifname;		/* VIPs: "ADDR/LEN dev IF";
						   NULL: the director's
						   interface */
};

struct mon_ha_conf {
	int		 line;			/* of the block */
	int		 priority;		/* 1..255 */
	int		 preempt;
	unsigned	 interval_ms;
	unsigned	 dead;			/* intervals */
	int		 port;
	char		*interface;		/* where the VIPs go */
	char		*source;		/* own address, optional */
	struct mon_ha_addr *peers;
	size_t		 npeers;
	struct mon_ha_addr *vips;
	size_t		 nvips;
	char		*key_file;
	uint8_t		*key;
	size_t		 keylen;
	unsigned	 announce;		/* GARP/NA per VIP */
	unsigned	 announce_ms;		/* spacing */
	char		**track;		/* track_interfaces */
	size_t		 ntrack;
	int		 quorum_penalty;	/* priority lost per service
						   without quorum (min 1) */
	char		*sync_interface;	/* NULL: no IPVS sync daemon */
	int		 syncid;
};

/* Parse root's `director` (absent: *out NULL).  0 or -errno, e set. */
int	mon_ha_conf_load(const config_setting_t *root, const char *file,
	    struct mon_ha_conf **out, struct err *e);
void	mon_ha_conf_free(struct mon_ha_conf *c);
/* Equal in everything the running state depends on?  1 or 0. */
int	mon_ha_conf_equal(const struct mon_ha_conf *a,
	    const struct mon_ha_conf *b);

#endif
