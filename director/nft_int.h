/*
 * director/nft_int.h - shared by the nft backend's files only.
 *
 *   nft.c       the backend's hooks: open/close, sync, apply, flush
 *   nft_rules.c the table's shape: checks, sets, rules, slot maps, and the
 *               batch that makes the kernel hold a whole table
 *   nft_read.c  the table read back from the kernel (sync's differences,
 *               read_stats)
 *   nft_nl.c    netlink plumbing: one growing batch buffer sent in one
 *               sendmsg (one kernel transaction), dumps
 *   nft_build.c builders for chains, sets, elements, rule expressions
 *   nft_slots.c weights -> scheduling slots (largest remainder, smooth
 *               weighted round robin)
 */
#ifndef DIR_NFT_INT_H
#define DIR_NFT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "director/dir.h"

#define NFT_TABLE	"lvsmon"
#define NFT_ANCHOR	"lvsmon_anchor"

#define SLOT_SPACE	1000000u	/* wrr/sh slots: 1e-6 resolution */
#define RR_CAP		1024u		/* rr: at most this many slots */
#define MARK_TAG	0x4c000000u	/* ct mark = MARK_TAG | real id */
#define MARK_ID(m)	((m) & DIR_ID_MAX)
#define CT_DIR_ORIGINAL	0		/* ct direction values */
#define CT_DIR_REPLY	1
#define SH_SEED		0x4c564d53u	/* "LVMS" ^ service id: stable */

/* Schedulers; the value is what svc_sched holds in the kernel. */
enum nft_sched { SCHED_WRR = 1, SCHED_RR = 2, SCHED_SH = 3 };
extern const char *const nft_sched_names[4];	/* "?", "wrr", "rr", "sh" */
extern const char *const nft_counter_sets[3];	/* be_conn, be_in, be_out */

/* A netlink socket for nf_tables and its sequence numbers. */
struct nft_nl {
	struct mnl_socket	*nl;
	uint32_t		 portid;
	uint32_t		 seq;
};

/* What one message of a batch does, for the error message. */
struct nft_what {
	char	text[56];		/* "add elements to sched_7" */
};

/*
 * A batch under construction: BEGIN, messages, END, all in one buffer that
 * grows, sent with one sendmsg() so the kernel applies it as one
 * transaction or not at all.  Owned by the caller (stack), freed with
 * nft_batch_free().
 */
struct nft_batch {
	char		*buf;
	size_t		 len, cap;
	size_t		 first;		/* offset of the first message */
	uint32_t	 seq0;		/* seq of the BEGIN message */
	uint32_t	 nmsg;		/* messages after BEGIN */
	struct nft_what	*what;		/* [nmsg] */
	size_t		 capwhat;
	int		 nomem;		/* an allocation failed: send fails */
};

/* Elements for one set, cut into messages of bounded size (the kernel's
 * element-list attribute length is 16 bits). */
struct nft_elems {
	struct nft_batch	*b;
	uint16_t		 type;	/* NFT_MSG_NEWSETELEM / DELSETELEM */
	const char		*set;
	struct nftnl_set	*s;	/* pending elements, or NULL */
	size_t			 n;
};

/* Room reserved per message kind; libnftnl writes without bounds checks,
 * so these are generous upper bounds. */
#define MSG_SMALL	512
#define MSG_RULE	2048
#define ELEMS_PER_MSG	128
#define ELEM_ROOM	192

int	nft_nl_open(struct nft_nl *n, char *err, size_t errlen);
void	nft_nl_close(struct nft_nl *n);

void	nft_batch_init(struct nft_batch *b, struct nft_nl *n);
void	nft_batch_free(struct nft_batch *b);
/* Room for one message of at most size bytes, its header filled and
 * its description recorded; NULL (and b->nomem) when out of memory.
 * nft_batch_done() then counts what the payload builder wrote. */
struct nlmsghdr *nft_batch_msg(struct nft_batch *b, uint16_t type,
	    uint16_t flags, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	nft_batch_done(struct nft_batch *b, struct nlmsghdr *nlh);
/* Send b (no-op when it holds no message); 0 or -errno with the failing
 * message's description in err. */
int	nft_batch_send(struct nft_nl *n, struct nft_batch *b, char *err,
	    size_t errlen);

void	nft_add_table(struct nft_batch *b, const char *table);
void	nft_del_table(struct nft_batch *b, const char *table);
/* hook < 0: a regular chain. */
void	nft_add_chain(struct nft_batch *b, const char *table,
	    const char *name, int hook, int prio, const char *type);
void	nft_del_chain(struct nft_batch *b, const char *table,
	    const char *name);
void	nft_flush_chain(struct nft_batch *b, const char *table,
	    const char *name);
/* Takes r and frees it. */
void	nft_add_rule(struct nft_batch *b, struct nftnl_rule *r);
/* Takes s (a set description) and frees it. */
void	nft_add_set(struct nft_batch *b, struct nftnl_set *s);
void	nft_del_set(struct nft_batch *b, const char *table, const char *name);
void	nft_flush_set(struct nft_batch *b, const char *table,
	    const char *name);

void	nft_elems_begin(struct nft_elems *e, struct nft_batch *b,
	    uint16_t type, const char *set);
/* Takes el. */
void	nft_elems_add(struct nft_elems *e, struct nftnl_set_elem *el);
void	nft_elems_end(struct nft_elems *e);

/* Element builders (NULL on ENOMEM is tolerated by nft_elems_add). */
struct nftnl_set_elem *nft_elem(const void *key, size_t klen,
	    const void *data, size_t dlen);
struct nftnl_set_elem *nft_elem_u32(uint32_t key, uint32_t data);
struct nftnl_set_elem *nft_elem_goto(const void *key, size_t klen,
	    const char *chain);
struct nftnl_set_elem *nft_elem_end(uint32_t key_be);

/* Rule builders: each appends one expression to r. */
struct nftnl_rule *nft_rule(const char *chain);
void	nft_e_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
void	nft_e_cmp8(struct nftnl_rule *r, uint32_t sreg, uint8_t v);
void	nft_e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off,
	    uint32_t len, uint32_t dreg);
void	nft_e_ct_load(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
void	nft_e_ct_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg);
void	nft_e_lookup(struct nftnl_rule *r, uint32_t sreg, int dreg,
	    const char *set);
void	nft_e_numgen(struct nftnl_rule *r, uint32_t type, uint32_t mod,
	    uint32_t dreg);
void	nft_e_jhash(struct nftnl_rule *r, uint32_t sreg, uint32_t len,
	    uint32_t mod, uint32_t seed, uint32_t dreg);
void	nft_e_hton32(struct nftnl_rule *r, uint32_t reg);
void	nft_e_goto(struct nftnl_rule *r, const char *chain);
void	nft_e_verdict(struct nftnl_rule *r, int verdict);
void	nft_e_dnat(struct nftnl_rule *r, int family, uint32_t reg_addr,
	    uint32_t reg_proto);
void	nft_e_reject(struct nftnl_rule *r, uint32_t type, uint8_t code);
void	nft_e_ct_state_new_counter(struct nftnl_rule *r);

/* Dumps.  Callbacks return 0 to go on. */
typedef int (*nft_set_cb)(const char *name, uint32_t flags, void *arg);
typedef int (*nft_chain_cb)(const char *table, const char *name, void *arg);
typedef int (*nft_elem_cb)(struct nftnl_set_elem *el, void *arg);
/* -ENOENT when the table does not exist. */
int	nft_dump_sets(struct nft_nl *n, const char *table, nft_set_cb cb,
	    void *arg, char *err, size_t errlen);
int	nft_dump_chains(struct nft_nl *n, const char *table, nft_chain_cb cb,
	    void *arg, char *err, size_t errlen);
int	nft_dump_elems(struct nft_nl *n, const char *table, const char *set,
	    nft_elem_cb cb, void *arg, char *err, size_t errlen);
/* 0 when nf_tables answers a table listing in this netns. */
int	nft_probe(struct nft_nl *n, char *err, size_t errlen);

/* Slots (nft_slots.c). */
/*
 * Largest-remainder apportionment of space slots among w[n]: every w > 0
 * gets at least one slot, w == 0 none; slots[] sums to space (or 0 when
 * all weights are 0).  -EINVAL if more positive weights than slots.
 */
int	nft_slots_apportion(const uint32_t *w, size_t n, uint32_t space,
	    uint32_t *slots);
/*
 * Smooth weighted round robin sequence for w[n] after gcd reduction and,
 * if the sum exceeds cap, proportional scaling down (each w > 0 keeps at
 * least 1).  Writes indexes into seq (cap entries); returns its length
 * (0 when all weights are 0).
 */
size_t	nft_slots_rr(const uint32_t *w, size_t n, uint32_t cap,
	    uint32_t *seq);

/* What the kernel holds now, as sync needs it (nft_read.c). */
struct nft_cur {
	char		(*sets)[32];	/* sched_* sets */
	uint32_t	*setflags;	/* their NFT_SET_* flags */
	size_t		 nsets;
	char		(*chains)[32];	/* svc_* chains */
	size_t		 nchains;
	uint32_t	*keys[3];	/* be_conn, be_in, be_out (sorted) */
	size_t		 nkeys[3];
	size_t		 cap[5];
};

/* nft_read.c */
/* *exists = 0 and 0 returned when our table is not there yet. */
int	nft_read_cur(struct nft_nl *nl, struct nft_cur *c, int *exists,
	    char *err, size_t errlen);
void	nft_cur_free(struct nft_cur *c);
/* read_stats: the whole table from the kernel (empty if none). */
int	nft_read_table(struct nft_nl *nl, struct dir_table *out, char *err,
	    size_t errlen);
int	nft_grow(void **p, size_t *cap, size_t n, size_t sz);

/* nft_rules.c */
int	nft_sched_of(const char *name);		/* -1 if nft cannot */
/* Refuse what nft cannot do, with a message naming the service. */
int	nft_check_table(const struct dir_table *t, char *err, size_t errlen);
/* The whole table (t sorted by id) into b; rrmod[i] gets the modulus of
 * service i's rr rule. */
void	nft_build_sync(struct nft_batch *b, const struct dir_table *t,
	    struct nft_cur *c, uint32_t *rrmod);
/* Fill sched_<id> (caller flushed it); the rr modulus, or -ENOMEM. */
int64_t	nft_fill_sched(struct nft_batch *b, const struct dir_service *s);
void	nft_rules_svc(struct nft_batch *b, const struct dir_service *s,
	    uint32_t rrmod);
int	nft_cmp_u32(const void *a, const void *b);
int	nft_cmp_svc_id(const void *a, const void *b);
int	nft_cmp_real_id(const void *a, const void *b);
/* qsort/bsearch that accept an empty (NULL) array. */
void	nft_sort(void *base, size_t n, size_t sz,
	    int (*cmp)(const void *, const void *));
void	*nft_search(const void *key, const void *base, size_t n, size_t sz,
	    int (*cmp)(const void *, const void *));

#endif
