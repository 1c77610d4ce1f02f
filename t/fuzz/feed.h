/*
 * t/fuzz/feed.h - the netlink harnesses' input: the kernel's answers to
 * the requests a decoder sends, one datagram per record:
 *
 *     [len: 2 bytes, little-endian][len bytes of netlink messages] ...
 *
 * A record of length 0 ends the answers to the current request (the
 * harness then answers NLMSG_DONE, as the kernel ends a dump); so does
 * the end of the input.  Every message header that fits in a record gets
 * the request's sequence number (the decoders drop others, and the
 * fuzzer should not have to guess a time()-based number).
 */
#ifndef T_FUZZ_FEED_H
#define T_FUZZ_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/netlink.h>

struct feed {
	const uint8_t	*p;
	size_t		 left;
};

/* The next record of the current request: 1 (*rec, *len set), 0 none. */
static inline int
feed_next(struct feed *f, const uint8_t **rec, size_t *len)
{
	size_t	n;

	if (f->left < 2)
		return 0;
	n = (size_t)f->p[0] | (size_t)f->p[1] << 8;
	f->p += 2;
	f->left -= 2;
	if (n > f->left)
		n = f->left;
	*rec = f->p;
	*len = n;
	f->p += n;
	f->left -= n;
	return n > 0;
}

/* Stamp seq on every whole header of buf[0..len), following lengths as
 * NLMSG_NEXT does.  type_map (may be NULL) rewrites each type. */
static inline void
feed_stamp(uint8_t *buf, size_t len, uint32_t seq,
    uint16_t (*type_map)(uint16_t))
{
	size_t	off = 0, step;

	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr	h;

		memcpy(&h, buf + off, sizeof(h));
		h.nlmsg_seq = seq;
		h.nlmsg_pid = 0;
		if (type_map != NULL)
			h.nlmsg_type = type_map(h.nlmsg_type);
		memcpy(buf + off, &h, sizeof(h));
		/* in size_t: NLMSG_ALIGN(0xffffffff) is 0 in 32 bits */
		step = ((size_t)h.nlmsg_len + 3) & ~(size_t)3;
		if (h.nlmsg_len < sizeof(h) || step > len - off)
			break;
		off += step;
	}
}

/* An NLMSG_DONE with seq into buf (at least 20 bytes); its length. */
static inline size_t
feed_done(uint8_t *buf, uint32_t seq)
{
	struct nlmsghdr	h = { .nlmsg_len = NLMSG_LENGTH(4),
	    .nlmsg_type = NLMSG_DONE, .nlmsg_flags = NLM_F_MULTI,
	    .nlmsg_seq = seq };
	int32_t		zero = 0;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &zero, 4);
	return NLMSG_LENGTH(4);
}

#endif
