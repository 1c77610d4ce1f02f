/*
 * monitor/ha_wire.c - the heartbeat datagram (layout in ha_int.h), its
 * HMAC-SHA256 (OpenSSL's one-shot HMAC()) and the per-peer replay check.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ha_int.h"

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int
mac(const uint8_t *key, size_t keylen, const uint8_t *hdr, uint8_t *out)
{
	unsigned	len = 0;

	/* an empty key is refused by the config; HMAC() wants non-NULL */
	if (HMAC(EVP_sha256(), key, (int)keylen, hdr, MON_HA_HDR_LEN, out,
	    &len) == NULL || len != MON_HA_MAC_LEN)
		return -EIO;
	return 0;
}

int
mon_ha_wire_encode(const struct mon_ha_msg *m, const uint8_t *key,
    size_t keylen, uint8_t *buf)
{
	memcpy(buf, MON_HA_MAGIC, 4);
	buf[4] = MON_HA_VERSION;
	buf[5] = m->role;
	buf[6] = m->priority;
	buf[7] = m->flags;
	put32(buf + 8, m->generation);
	put64(buf + 12, m->epoch);
	put64(buf + 20, m->seq);
	return mac(key, keylen, buf, buf + MON_HA_HDR_LEN);
}

int
mon_ha_wire_decode(const uint8_t *buf, size_t len, const uint8_t *key,
    size_t keylen, struct mon_ha_msg *m)
{
	uint8_t	want[MON_HA_MAC_LEN];

	if (len != MON_HA_PKT_LEN || memcmp(buf, MON_HA_MAGIC, 4) != 0 ||
	    buf[4] != MON_HA_VERSION || buf[5] >= MON_HA__COUNT)
		return -EBADMSG;
	if (mac(key, keylen, buf, want) < 0 ||
	    CRYPTO_memcmp(want, buf + MON_HA_HDR_LEN, MON_HA_MAC_LEN) != 0)
		return -EPERM;
	m->role = buf[5];
	m->priority = buf[6];
	m->flags = buf[7];
	m->generation = (uint32_t)get(buf + 8, 4);
	m->epoch = get(buf + 12, 8);
	m->seq = get(buf + 20, 8);
	return 0;
}

int
mon_ha_replay_check(struct mon_ha_replay *r, uint64_t epoch, uint64_t seq)
{
	if (epoch < r->epoch || (epoch == r->epoch && seq <= r->seq))
		return -EALREADY;
	r->epoch = epoch;
	r->seq = seq;
	return 0;
}
