/*
 * monitor/ha_conf.c - the `director` block: this director's place among
 * its peers (keys in lvsmond.conf(5)).  Scalars are directive rows; the
 * lists (peers, vips, track_interfaces) and the key file are read here.
 * The key file is read at load (and at reload), never on the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "directive.h"
#include "ha_int.h"

#define WHERE	"director"
#define KEY_MAX	4096

static const struct mon_directive ha_directives[] = {
	{ .key = "priority", .type = MON_D_INT,
	  .offset = offsetof(struct mon_ha_conf, priority),
	  .min = 1, .max = 255, .ndef = 100 },
	{ .key = "preempt", .type = MON_D_BOOL,
	  .offset = offsetof(struct mon_ha_conf, preempt), .ndef = 1 },
	{ .key = "interval", .type = MON_D_MS,
	  .offset = offsetof(struct mon_ha_conf, interval_ms),
	  .min = 20, .max = 10000, .ndef = 1000 },
	{ .key = "dead", .type = MON_D_INT,
	  .offset = offsetof(struct mon_ha_conf, dead),
	  .min = 2, .max = 100, .ndef = 3 },
	{ .key = "port", .type = MON_D_INT,
	  .offset = offsetof(struct mon_ha_conf, port),
	  .min = 1, .max = 65535, .ndef = 8730 },
	{ .key = "interface", .type = MON_D_STRING,
	  .offset = offsetof(struct mon_ha_conf, interface),
	  .flags = MON_DF_REQUIRED },
	{ .key = "source", .type = MON_D_STRING,
	  .offset = offsetof(struct mon_ha_conf, source) },
	{ .key = "key_file", .type = MON_D_STRING,
	  .offset = offsetof(struct mon_ha_conf, key_file),
	  .flags = MON_DF_REQUIRED },
	{ .key = "announce", .type = MON_D_INT,
	  .offset = offsetof(struct mon_ha_conf, announce),
	  .min = 0, .max = 20, .ndef = 3 },
	{ .key = "announce_interval", .type = MON_D_MS,
	  .offset = offsetof(struct mon_ha_conf, announce_ms),
	  .min = 10, .max = 10000, .ndef = 200 },
	{ .key = "quorum_penalty", .type = MON_D_INT,
	  .offset = offsetof(struct mon_ha_conf, quorum_penalty),
	  .min = 0, .max = 254, .ndef = 0 },
	{ .key = "peers", .type = MON_D_OTHER },
	{ .key = "vips", .type = MON_D_OTHER },
	{ .key = "track_interfaces", .type = MON_D_OTHER },
	{ .key = "sync", .type = MON_D_OTHER },
	{ .key = NULL }
};

struct conf_sync {
	char	*interface;
	int	 syncid;
};

static const struct mon_directive sync_directives[] = {
	{ .key = "interface", .type = MON_D_STRING,
	  .offset = offsetof(struct conf_sync, interface),
	  .flags = MON_DF_REQUIRED },
	{ .key = "syncid", .type = MON_D_INT,
	  .offset = offsetof(struct conf_sync, syncid),
	  .min = 0, .max = 255, .ndef = 0 },
	{ .key = NULL }
};

/* "192.0.2.1" (plen < 0: none allowed) or "192.0.2.1/24" */
static int
parse_addr(struct mon_ha_addr *a, const char *s, int with_plen)
{
	char		 buf[INET6_ADDRSTRLEN + 8 + 5 + IFNAMSIZ], *slash, *end;
	char		*dev;
	long		 plen = -1;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	if (with_plen && (dev = strstr(buf, " dev ")) != NULL) {
		*dev = '\0';
		dev += 5;
		if (*dev == '\0' || strlen(dev) >= IFNAMSIZ ||
		    strpbrk(dev, " /\t") != NULL)
			return -EINVAL;
		if ((a->ifname = strdup(dev)) == NULL)
			return -ENOMEM;
	}
	if ((slash = strchr(buf, '/')) != NULL) {
		if (!with_plen)
			return -EINVAL;
		*slash++ = '\0';
		errno = 0;
		plen = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || errno || plen < 0)
			return -EINVAL;
	}
	memset(a->addr, 0, sizeof(a->addr));
	if (inet_pton(AF_INET, buf, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->addr) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	if (plen > (a->family == AF_INET ? 32 : 128))
		return -EINVAL;
	a->plen = plen < 0 ? (a->family == AF_INET ? 32 : 128) : (int)plen;
	return (a->text = strdup(s)) == NULL ? -ENOMEM : 0;
}

static int
addr_list(const config_setting_t *g, const char *key, int with_plen,
    struct mon_ha_addr **out, size_t *n, struct err *e)
{
	const config_setting_t	*l = config_setting_get_member(g, key);
	const char		*want = with_plen ?
	    "(\"192.0.2.100/24\", \"2001:db8::100/64\")" :
	    "(\"192.0.2.2\", \"2001:db8::2\")";
	int			 rc;

	if (l == NULL)
		return mon_conf_err(e, g, WHERE, key, "missing: expected a "
		    "list %s", want);
	if (!config_setting_is_aggregate(l) || config_setting_length(l) == 0 ||
	    config_setting_length(l) > 64)
		return mon_conf_err(e, l, WHERE, key, "expected a list of 1 to "
		    "64 addresses %s", want);
	*n = (size_t)config_setting_length(l);
	if ((*out = calloc(*n, sizeof(**out))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < *n; i++) {
		const config_setting_t	*el = config_setting_get_elem(l,
		    (unsigned)i);
		const char		*s = config_setting_get_string(el);

		if (s == NULL)
			return mon_conf_err(e, el, WHERE, key, "element %zu: "
			    "expected a string %s", i + 1, want);
		if ((rc = parse_addr(&(*out)[i], s, with_plen)) == -ENOMEM)
			return err_set(e, rc, "out of memory");
		if (rc < 0)
			return mon_conf_err(e, el, WHERE, key, "\"%s\": "
			    "expected %s", s, with_plen ? "ADDRESS/PREFIXLEN"
			    " (no host names)" : "an IPv4 or IPv6 address (no "
			    "host names)");
		for (size_t j = 0; j < i; j++)
			if ((*out)[j].family == (*out)[i].family &&
			    memcmp((*out)[j].addr, (*out)[i].addr, 16) == 0)
				return mon_conf_err(e, el, WHERE, key, "\"%s\" "
				    "is listed twice", s);
	}
	return 0;
}

static int
read_key(struct mon_ha_conf *c, const config_setting_t *g, struct err *e)
{
	const config_setting_t	*s = config_setting_get_member(g, "key_file");
	uint8_t			 buf[KEY_MAX + 1];
	size_t			 len = 0;
	ssize_t			 r;
	int			 fd;

	if ((fd = open(c->key_file, O_RDONLY | O_CLOEXEC)) < 0)
		return mon_conf_err(e, s, WHERE, "key_file", "%s: %s",
		    c->key_file, strerror(errno));
	while (len < sizeof(buf) && (r = read(fd, buf + len,
	    sizeof(buf) - len)) > 0)
		len += (size_t)r;
	close(fd);
	/* a trailing newline is the editor's, not the key's */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len < 16 || len > KEY_MAX)
		return mon_conf_err(e, s, WHERE, "key_file", "%s: expected "
		    "16 to %d bytes of shared secret, found %zu", c->key_file,
		    KEY_MAX, len);
	if ((c->key = malloc(len)) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	memcpy(c->key, buf, len);
	c->keylen = len;
	return 0;
}

static int
ifname_ok(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) < IFNAMSIZ &&
	    strpbrk(s, "/ \t") == NULL;
}

static int
load(struct mon_ha_conf *c, const config_setting_t *g, struct err *e)
{
	const config_setting_t	*s;
	int			 rc;

	c->line = (int)config_setting_source_line(g);
	if ((rc = mon_directives_apply_group(ha_directives, c, g, WHERE,
	    e)) < 0)
		return rc;
	if (!ifname_ok(c->interface))
		return mon_conf_err(e, config_setting_get_member(g,
		    "interface"), WHERE, "interface", "expected an interface "
		    "name (\"eth0\")");
	if ((rc = addr_list(g, "peers", 0, &c->peers, &c->npeers, e)) < 0 ||
	    (rc = addr_list(g, "vips", 1, &c->vips, &c->nvips, e)) < 0)
		return rc;
	if (c->source != NULL) {
		struct mon_ha_addr	a = { 0 };

		rc = parse_addr(&a, c->source, 0);
		free(a.text);
		if (rc < 0)
			return mon_conf_err(e, config_setting_get_member(g,
			    "source"), WHERE, "source", "expected an IPv4 or "
			    "IPv6 address (no host names)");
	}
	if ((s = config_setting_get_member(g, "track_interfaces")) != NULL) {
		if (!config_setting_is_aggregate(s) ||
		    config_setting_length(s) > 64)
			return mon_conf_err(e, s, WHERE, "track_interfaces",
			    "expected a list of up to 64 names (\"eth0\")");
		c->ntrack = (size_t)config_setting_length(s);
		if (c->ntrack > 0 && (c->track = calloc(c->ntrack,
		    sizeof(*c->track))) == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		for (size_t i = 0; i < c->ntrack; i++) {
			const config_setting_t	*el =
			    config_setting_get_elem(s, (unsigned)i);
			const char		*n =
			    config_setting_get_string(el);

			if (!ifname_ok(n))
				return mon_conf_err(e, el, WHERE,
				    "track_interfaces", "element %zu: "
				    "expected an interface name", i + 1);
			if ((c->track[i] = strdup(n)) == NULL)
				return err_set(e, -ENOMEM, "out of memory");
		}
	}
	if ((s = config_setting_get_member(g, "sync")) != NULL) {
		struct conf_sync	cs = { 0 };

		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return mon_conf_err(e, s, WHERE, "sync", "expected a "
			    "group { interface = \"eth1\"; syncid = 1; }");
		rc = mon_directives_apply_group(sync_directives, &cs, s,
		    WHERE ": sync", e);
		c->sync_interface = cs.interface;
		c->syncid = cs.syncid;
		if (rc < 0)
			return rc;
		if (!ifname_ok(c->sync_interface))
			return mon_conf_err(e, config_setting_get_member(s,
			    "interface"), WHERE ": sync", "interface",
			    "expected an interface name");
	}
	return read_key(c, g, e);
}

int
mon_ha_conf_load(const config_setting_t *root, const char *file,
    struct mon_ha_conf **out, struct err *e)
{
	const config_setting_t	*g = config_setting_get_member(root,
	    "director");
	struct mon_ha_conf	*c;
	int			 rc;

	(void)file;
	*out = NULL;
	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return mon_conf_err(e, g, NULL, "director", "expected a group "
		    "{ priority = 100; peers = (...); vips = (...); ... }");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	if ((rc = load(c, g, e)) < 0) {
		mon_ha_conf_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void
addrs_free(struct mon_ha_addr *a, size_t n)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(a[i].text);
		free(a[i].ifname);
	}
	free(a);
}

void
mon_ha_conf_free(struct mon_ha_conf *c)
{
	if (c == NULL)
		return;
	free(c->interface);
	free(c->source);
	free(c->key_file);
	free(c->key);
	free(c->sync_interface);
	addrs_free(c->peers, c->npeers);
	addrs_free(c->vips, c->nvips);
	for (size_t i = 0; i < c->ntrack; i++)
		free(c->track[i]);
	free(c->track);
	free(c);
}

static int
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
addrs_eq(const struct mon_ha_addr *a, size_t na, const struct mon_ha_addr *b,
    size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (a[i].family != b[i].family || a[i].plen != b[i].plen ||
		    memcmp(a[i].addr, b[i].addr, 16) != 0 ||
		    !str_eq(a[i].ifname, b[i].ifname))
			return 0;
	return 1;
}

int
mon_ha_conf_equal(const struct mon_ha_conf *a, const struct mon_ha_conf *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->priority != b->priority || a->preempt != b->preempt ||
	    a->interval_ms != b->interval_ms || a->dead != b->dead ||
	    a->port != b->port || a->announce != b->announce ||
	    a->announce_ms != b->announce_ms || a->syncid != b->syncid ||
	    a->quorum_penalty != b->quorum_penalty ||
	    a->keylen != b->keylen || a->ntrack != b->ntrack ||
	    memcmp(a->key, b->key, a->keylen) != 0 ||
	    !str_eq(a->interface, b->interface) ||
	    !str_eq(a->source, b->source) ||
	    !str_eq(a->sync_interface, b->sync_interface) ||
	    !addrs_eq(a->peers, a->npeers, b->peers, b->npeers) ||
	    !addrs_eq(a->vips, a->nvips, b->vips, b->nvips))
		return 0;
	for (size_t i = 0; i < a->ntrack; i++)
		if (strcmp(a->track[i], b->track[i]) != 0)
			return 0;
	return 1;
}
