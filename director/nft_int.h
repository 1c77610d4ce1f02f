/*
 * director/nft_int.h - shared by the nft backend's files only.
 *
 *   nft.c       the backend: table shape, checks, sync/apply/read_stats
 *   nft_nl.c    netlink plumbing: one growing batch buffer sent in one
 *               sendmsg (one kernel transaction), dumps, small builders
 *               for chains, sets, elements and rule expressions
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

#define NFT_TABLE	"lvsmon"
#define NFT_ANCHOR	"lvsmon_anchor"

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

int	nft_nl_open(struct nft_nl *n, char *err, size_t errlen);
void	nft_nl_close(struct nft_nl *n);

void	nft_batch_init(struct nft_batch *b, struct nft_nl *n);
void	nft_batch_free(struct nft_batch *b);
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

#endif
