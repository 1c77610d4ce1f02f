/*
 * snmp/agent.c - the AgentX session inside the daemon's libevent loop:
 * Net-SNMP's init order, the glue that mirrors snmp_select_info2() into
 * libevent events, and a supervisor that connects, pings and reconnects
 * without ever blocking the loop on a hung master (see snmp.h for the
 * state picture).
 *
 * Why our own supervisor and not the library's ping: Net-SNMP's AgentX
 * Ping, Open, Register and Close are synchronous (snmp_synch_response
 * runs a private select loop).  With snmpd SIGSTOPped, its ping costs the
 * whole timeout, then a Close and an Open cost it again, in one call; and
 * after a few attempts snmpd's listen backlog (5) is full, where the
 * library's blocking connect() would wait for as long as snmpd stays
 * stopped.  So the library's ping interval is 0 (no library ping, no
 * library reconnect) and this file:
 *   - pings with an asynchronous Ping PDU and, when it is not answered,
 *     shuts the socket down so that Net-SNMP takes its EOF path (detach,
 *     no PDU exchanged);
 *   - reconnects only after a non-blocking probe connection got an AgentX
 *     Response to an Open: the library's synchronous PDUs then go to a
 *     master that has just answered, and are bounded by a short session
 *     timeout (SYNC_TIMEOUT_US, retries 0) in case it hangs right then.
 *
 * The probe speaks just enough AgentX (RFC 2741): one Open PDU out, the
 * header of one Response in.  Net-SNMP's agentx headers are not installed,
 * hence the PDU numbers below.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>
#include <net-snmp/library/large_fd_set.h>

#include "mib/mib.h"
#include "monitor/log.h"
#include "notify.h"
#include "snmp.h"

/* In libnetsnmpagent (agentx/subagent.c) but not in installed headers. */
extern int	subagent_open_master_session(void);
extern int	subagent_startup(int, int, void *, void *);

#define IS_AGENTX(v)		(((v) & 0xc0) == 0xc0)	/* Net-SNMP's
						   session version for AgentX */
#define AGENTX_MSG_OPEN		1
#define AGENTX_MSG_PING		13
#define AGENTX_MSG_RESPONSE	18
#define AGENTX_FLAG_NBO		0x10	/* network byte order */
#define AGENTX_HDR_LEN		20

#define APP_NAME		"lvsmond"
#define SYNC_TIMEOUT_US		200000	/* library's own synchronous PDUs */
#define PING_MIN_MS		100

enum sa_state { SA_DOWN = 0, SA_PROBING, SA_UP };
static const char *const sa_state_names[] = { "down", "probing", "up" };

static struct {
	struct mon_model	*m;
	struct event_base	*base;
	char			*path;		/* the master's socket */
	char			*statedir;	/* for Net-SNMP's own files */
	unsigned		 ping_ms;
	enum sa_state		 state;
	int			 open;		/* snmp_subagent_open() done */
	int			 ever_up;
	int			 warned;	/* "cannot reach" said once */

	netsnmp_session		*sess;		/* AgentX session while UP */
	int			 ping_out;	/* a Ping awaits its answer */
	struct event		*tick;		/* ping / reconnect */
	struct event		*timer;		/* Net-SNMP's next timeout */
	struct event		**fdev;		/* one per fd, by fd */
	int			 nfdev;
	int			 resync;	/* rebuild every fd event */

	int			 pfd;		/* probe socket, -1 none */
	struct event		*pev;
	unsigned char		 pbuf[AGENTX_HDR_LEN];
	size_t			 plen;
	uint32_t		 pktid;

	char			 logline[1024];	/* one line from pieces */
	size_t			 loglen;
	int			 logprio;
} sa = { .pfd = -1 };

static void	sync_events(void);

/* --- logging: Net-SNMP's lines into ours ------------------------------ */

static int
on_log(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message	*slm = serverarg;
	const char			*p;
	int				 prio;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (slm == NULL || slm->msg == NULL)
		return 0;
	/* a line may come in pieces; keep the most severe priority */
	if (sa.loglen == 0 || slm->priority < sa.logprio)
		sa.logprio = slm->priority;
	for (p = slm->msg; *p != '\0'; p++) {
		if (*p != '\n') {
			if (sa.loglen < sizeof(sa.logline) - 1)
				sa.logline[sa.loglen++] = *p;
			continue;
		}
		sa.logline[sa.loglen] = '\0';
		/* the library's info lines repeat what we log ourselves */
		prio = sa.logprio <= LOG_WARNING ? LOG_WARNING : LOG_DEBUG;
		if (sa.loglen > 0)
			mon_log(prio, "snmp: net-snmp: %s", sa.logline);
		sa.loglen = 0;
	}
	return 0;
}

/* --- the glue: Net-SNMP's fds and timeout as libevent events ---------- */

static void
after_call(void)
{
	netsnmp_check_outstanding_agent_requests();
	sync_events();
}

static void
on_snmp_fd(evutil_socket_t fd, short what, void *arg)
{
	netsnmp_large_fd_set	fds;

	(void)what;
	(void)arg;
	netsnmp_large_fd_set_init(&fds, (int)fd + 1);
	NETSNMP_LARGE_FD_ZERO(&fds);
	NETSNMP_LARGE_FD_SET((int)fd, &fds);
	snmp_read2(&fds);
	netsnmp_large_fd_set_cleanup(&fds);
	after_call();
}

static void
on_snmp_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	snmp_timeout();
	run_alarms();
	after_call();
}

static int
fdev_grow(int fd)
{
	struct event	**n;
	int		  cap = sa.nfdev ? sa.nfdev : 16;

	while (cap <= fd)
		cap *= 2;
	if (cap == sa.nfdev)
		return 0;
	if ((n = realloc(sa.fdev, (size_t)cap * sizeof(*n))) == NULL)
		return -ENOMEM;
	memset(n + sa.nfdev, 0, (size_t)(cap - sa.nfdev) * sizeof(*n));
	sa.fdev = n;
	sa.nfdev = cap;
	return 0;
}

/*
 * Mirror what Net-SNMP waits for.  Called after every entry into the
 * library: sessions appear and vanish underneath (the AgentX socket, the
 * callback pipes each request passes through), and snmp_select_info2() is
 * also what closes sessions marked dead.  After a session change every
 * event is rebuilt: a new socket may reuse a closed one's number, and the
 * epoll backend would keep the dead registration.
 */
static void
sync_events(void)
{
	netsnmp_large_fd_set	 fds;
	struct timeval		 tv = { 0, 0 };
	int			 numfds = 0, block = 1, force = sa.resync;

	if (!sa.open)
		return;
	sa.resync = 0;
	netsnmp_large_fd_set_init(&fds, FD_SETSIZE);
	NETSNMP_LARGE_FD_ZERO(&fds);
	snmp_select_info2(&numfds, &fds, &tv, &block);
	if (numfds > 0 && fdev_grow(numfds) < 0)
		mon_error("snmp: out of memory watching %d fds", numfds);
	for (int fd = 0; fd < sa.nfdev; fd++) {
		int want = fd < numfds && NETSNMP_LARGE_FD_ISSET(fd, &fds);

		if (sa.fdev[fd] != NULL && (!want || force)) {
			event_free(sa.fdev[fd]);
			sa.fdev[fd] = NULL;
		}
		if (want && sa.fdev[fd] == NULL) {
			sa.fdev[fd] = event_new(sa.base, fd,
			    EV_READ | EV_PERSIST, on_snmp_fd, NULL);
			if (sa.fdev[fd] == NULL ||
			    event_add(sa.fdev[fd], NULL) < 0)
				mon_error("snmp: cannot watch fd %d", fd);
		}
	}
	netsnmp_large_fd_set_cleanup(&fds);
	if (block)
		evtimer_del(sa.timer);
	else
		evtimer_add(sa.timer, &tv);
}

/* --- session callbacks ------------------------------------------------- */

/* Every new AgentX session: short timeout, no retries (see top). */
static int
on_session_init(int major, int minor, void *serverarg, void *clientarg)
{
	netsnmp_session	*s = serverarg;

	(void)major;
	(void)minor;
	(void)clientarg;
	if (s != NULL && IS_AGENTX(s->version)) {
		s->timeout = SYNC_TIMEOUT_US;
		s->retries = 0;
	}
	return 0;
}

static int
on_index_start(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)clientarg;
	sa.sess = serverarg;
	sa.resync = 1;
	return 0;
}

static int
on_index_stop(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)serverarg;
	(void)clientarg;
	if (sa.state == SA_UP && sa.open)
		mon_warn("snmp: AgentX session to %s lost; retrying every "
		    "%u ms", sa.path, sa.ping_ms);
	sa.sess = NULL;
	sa.state = SA_DOWN;
	sa.ping_out = 0;
	sa.resync = 1;
	sa.warned = 0;
	snmp_notify_session(NULL);
	return 0;
}

/* --- ping -------------------------------------------------------------- */

static int
session_fd(netsnmp_session *s)
{
	void			*sp = s != NULL ? snmp_sess_pointer(s) : NULL;
	netsnmp_transport	*t = sp != NULL ? snmp_sess_transport(sp) :
				    NULL;

	return t != NULL ? t->sock : -1;
}

/*
 * Drop a session whose master stopped answering, the way an EOF from it
 * would: Net-SNMP detaches the registrations and calls INDEX_STOP, and
 * sends nothing (no Close to wait for).
 */
static void
force_down(const char *why)
{
	int	fd = session_fd(sa.sess);

	if (sa.state != SA_UP || fd < 0)
		return;
	mon_warn("snmp: AgentX master %s %s; dropping the session", sa.path,
	    why);
	shutdown(fd, SHUT_RDWR);
	if (sa.fdev != NULL && fd < sa.nfdev && sa.fdev[fd] != NULL)
		event_active(sa.fdev[fd], EV_READ, 0);
}

static int
on_ping_answer(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu,
    void *magic)
{
	(void)reqid;
	(void)magic;
	if (s != sa.sess)
		return 1;		/* an earlier session's */
	sa.ping_out = 0;
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE)
		force_down("does not answer pings");
	else if (pdu != NULL && pdu->errstat != SNMP_ERR_NOERROR)
		force_down("no longer knows our session");	/* notOpen */
	return 1;
}

static void
send_ping(void)
{
	netsnmp_pdu	*pdu;

	if (sa.ping_out || sa.sess == NULL)
		return;
	if ((pdu = snmp_pdu_create(AGENTX_MSG_PING)) == NULL)
		return;
	pdu->version = sa.sess->version;
	pdu->sessid = sa.sess->sessid;
	pdu->flags |= UCD_MSG_FLAG_PDU_TIMEOUT;
	pdu->time = (sa.ping_ms + 999) / 1000;	/* whole seconds only */
	if (snmp_async_send(sa.sess, pdu, on_ping_answer, NULL) == 0) {
		snmp_free_pdu(pdu);
		force_down("cannot be written to");
		return;
	}
	sa.ping_out = 1;
}

/* --- connect: probe, then the library's Open ------------------------- */

static void
probe_close(void)
{
	if (sa.pev != NULL)
		event_free(sa.pev);
	sa.pev = NULL;
	if (sa.pfd >= 0)
		close(sa.pfd);
	sa.pfd = -1;
	sa.plen = 0;
}

static void
not_reachable(const char *what, int err)
{
	sa.state = SA_DOWN;
	if (sa.warned++ == 0)
		mon_log(sa.ever_up ? LOG_WARNING : LOG_INFO,
		    "snmp: AgentX master %s: %s%s%s; retrying every %u ms",
		    sa.path, what, err ? ": " : "", err ? strerror(err) : "",
		    sa.ping_ms);
}

static void
connect_library(void)
{
	if (subagent_open_master_session() != 0 || sa.sess == NULL) {
		not_reachable("AgentX Open failed", 0);
		sync_events();
		return;
	}
	register_mib_reattach();
	if (sa.sess == NULL) {		/* lost during the registrations */
		sync_events();
		return;
	}
	sa.state = SA_UP;
	sa.ever_up = 1;
	sa.warned = 0;
	sa.ping_out = 0;
	mon_info("snmp: AgentX session to %s up", sa.path);
	snmp_notify_session(sa.sess);
	sync_events();
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
on_probe(evutil_socket_t fd, short what, void *arg)
{
	ssize_t		n;
	uint32_t	pkt;

	(void)arg;
	if (what & EV_TIMEOUT) {
		probe_close();
		not_reachable("no answer (hung?)", 0);
		return;
	}
	n = recv(fd, sa.pbuf + sa.plen, sizeof(sa.pbuf) - sa.plen,
	    MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		probe_close();
		not_reachable("closed the probe", n < 0 ? errno : 0);
		return;
	}
	sa.plen += (size_t)n;
	if (sa.plen < AGENTX_HDR_LEN)
		return;
	pkt = (sa.pbuf[2] & AGENTX_FLAG_NBO) ?
	    (uint32_t)sa.pbuf[12] << 24 | (uint32_t)sa.pbuf[13] << 16 |
	    (uint32_t)sa.pbuf[14] << 8 | sa.pbuf[15] :
	    (uint32_t)sa.pbuf[15] << 24 | (uint32_t)sa.pbuf[14] << 16 |
	    (uint32_t)sa.pbuf[13] << 8 | sa.pbuf[12];
	probe_close();
	if (sa.pbuf[1] != AGENTX_MSG_RESPONSE || pkt != sa.pktid) {
		not_reachable("unexpected answer to the probe", 0);
		return;
	}
	connect_library();
}

/*
 * Open a probe connection and send an AgentX Open on it.  Non-blocking all
 * through: a missing socket or a refused or full backlog costs nothing.
 */
static void
probe_start(void)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	static const char	 descr[] = "lvsmond probe";	/* 13 */
	unsigned char		 pdu[AGENTX_HDR_LEN + 28] = { 0 };
	struct timeval		 tv = { sa.ping_ms / 1000,
				    (sa.ping_ms % 1000) * 1000 };
	ssize_t			 n;

	if (strlen(sa.path) >= sizeof(sun.sun_path)) {
		not_reachable("socket path too long", 0);
		return;
	}
	memcpy(sun.sun_path, sa.path, strlen(sa.path) + 1);
	sa.pfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (sa.pfd < 0) {
		not_reachable("socket", errno);
		return;
	}
	if (connect(sa.pfd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = errno;

		probe_close();
		not_reachable(err == EAGAIN ? "backlog full (hung?)" :
		    "cannot connect", err == EAGAIN ? 0 : err);
		return;
	}
	/* header: version 1, Open, network byte order */
	pdu[0] = 1;
	pdu[1] = AGENTX_MSG_OPEN;
	pdu[2] = AGENTX_FLAG_NBO;
	put32(pdu + 12, ++sa.pktid);
	put32(pdu + 16, 28);
	/* payload: timeout 0, reserved, null OID (4), octet string (4+16) */
	put32(pdu + 28, sizeof(descr) - 1);
	memcpy(pdu + 32, descr, sizeof(descr) - 1);
	n = send(sa.pfd, pdu, sizeof(pdu), MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)sizeof(pdu)) {
		int err = n < 0 ? errno : 0;

		probe_close();
		not_reachable("cannot write the probe", err);
		return;
	}
	sa.pev = event_new(sa.base, sa.pfd, EV_READ | EV_PERSIST, on_probe,
	    NULL);
	if (sa.pev == NULL || event_add(sa.pev, &tv) < 0) {
		probe_close();
		not_reachable("out of memory", 0);
		return;
	}
	sa.state = SA_PROBING;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	switch (sa.state) {
	case SA_DOWN:
		probe_start();
		break;
	case SA_PROBING:		/* its own deadline ends it */
		break;
	case SA_UP:
		send_ping();
		break;
	}
	sync_events();
}

/* --- open / close ------------------------------------------------------ */

int
snmp_is_up(void)
{
	return sa.state == SA_UP;
}

static void
ds_setup(void)
{
	/* no config files, no persistent state, no MIB files: this is a
	   subagent whose MIB is compiled in; keep off the system's files */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_PERSISTENT_DIR, sa.statedir);
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_CONFIGURATION_DIR, sa.statedir);
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_X_SOCKET, sa.path);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_NO_CONNECTION_WARNINGS, 1);
}

int
snmp_subagent_open(struct mon_model *m, struct event_base *base,
    struct err *e)
{
	const char	*sf;
	int		 rc;

	if (sa.open)
		return err_set(e, -EALREADY, "snmp: subagent already open");
	if (m->global.snmp_agentx == NULL)
		return err_set(e, -EINVAL, "snmp: no global.snmp.agentx");
	sa.m = m;
	sa.base = base;
	sa.state = SA_DOWN;
	sa.pfd = -1;
	sa.ping_ms = m->global.snmp_ping_ms;
	if (sa.ping_ms < PING_MIN_MS)
		sa.ping_ms = PING_MIN_MS;
	/* Net-SNMP writes cert_indexes/ into its persistent dir: ours */
	sf = m->global.state_file != NULL ? m->global.state_file :
	    m->global.control_socket != NULL ? m->global.control_socket :
	    "/var/lib/lvsmon/state";
	if ((sa.path = strdup(m->global.snmp_agentx)) == NULL ||
	    (sa.statedir = strdup(sf)) == NULL) {
		rc = err_set(e, -ENOMEM, "snmp: out of memory");
		goto fail;
	}
	/* dirname() may return a static "." or "/" */
	{
		char *d = strdup(dirname(sa.statedir));

		free(sa.statedir);
		if ((sa.statedir = d) == NULL) {
			rc = err_set(e, -ENOMEM, "snmp: out of memory");
			goto fail;
		}
	}
	signal(SIGPIPE, SIG_IGN);	/* the library's send() to a dead
					   socket has no MSG_NOSIGNAL */

	/* 1. logging first: everything below may log */
	snmp_disable_log();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING,
	    on_log, NULL);
	snmp_enable_calllog();
	/* 2. settings init_agent() reads */
	ds_setup();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY,
	    SNMP_CALLBACK_SESSION_INIT, on_session_init, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	    SNMPD_CALLBACK_INDEX_START, on_index_start, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	    SNMPD_CALLBACK_INDEX_STOP, on_index_stop, NULL);
	if (init_agent(APP_NAME) != 0) {
		rc = err_set(e, -EIO, "snmp: Net-SNMP agent init failed");
		goto fail_lib;
	}
	/* 3. after init_agent(), which sets its own values: no library
	   ping or reconnect (ours replace them), no retries */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
	    NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, 0);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_RETRIES, 0);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_TIMEOUT, 1);
	/* the library would connect in init_snmp(), with a blocking
	   connect(); our probe decides when instead */
	snmp_unregister_callback(SNMP_CALLBACK_LIBRARY,
	    SNMP_CALLBACK_POST_READ_CONFIG, subagent_startup, NULL, 1);

	if ((rc = snmp_notify_init(base, SNMP_NOTIFY_QUEUE_MAX)) < 0) {
		err_set(e, rc, "snmp: out of memory");
		goto fail_lib;
	}
	/* 4. the MIB, before init_snmp(): registered as detached, sent
	   to the master at every connect */
	if ((rc = mib_open(m, e)) < 0)
		goto fail_notify;
	init_snmp(APP_NAME);

	sa.tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	sa.timer = evtimer_new(base, on_snmp_timer, NULL);
	if (sa.tick == NULL || sa.timer == NULL) {
		rc = err_set(e, -ENOMEM, "snmp: out of memory");
		goto fail_events;
	}
	{
		struct timeval tv = { sa.ping_ms / 1000,
		    (sa.ping_ms % 1000) * 1000 };

		if (event_add(sa.tick, &tv) < 0) {
			rc = err_set(e, -ENOMEM, "snmp: cannot add a timer");
			goto fail_events;
		}
	}
	sa.open = 1;
	sa.resync = 1;
	/* first attempt now rather than one interval later */
	event_active(sa.tick, EV_TIMEOUT, 0);
	sync_events();
	mon_debug("snmp: subagent of %s, ping every %u ms, state %s",
	    sa.path, sa.ping_ms, sa_state_names[sa.state]);
	return 0;

fail_events:
	if (sa.tick != NULL)
		event_free(sa.tick);
	if (sa.timer != NULL)
		event_free(sa.timer);
	sa.tick = sa.timer = NULL;
	mib_close();
fail_notify:
	snmp_notify_reset();
fail_lib:
	snmp_shutdown(APP_NAME);
	shutdown_agent();
fail:
	free(sa.path);
	free(sa.statedir);
	sa.path = sa.statedir = NULL;
	return rc;
}

void
snmp_subagent_close(void)
{
	if (!sa.open)
		return;
	probe_close();
	sa.open = 0;
	/* leave the master the way a crash would (EOF): it drops our
	   registrations itself, and no synchronous Unregister or Close
	   can wait on a hung master at exit */
	if (sa.sess != NULL) {
		int fd = session_fd(sa.sess);

		if (fd >= 0) {
			netsnmp_large_fd_set	fds;

			shutdown(fd, SHUT_RDWR);
			netsnmp_large_fd_set_init(&fds, fd + 1);
			NETSNMP_LARGE_FD_ZERO(&fds);
			NETSNMP_LARGE_FD_SET(fd, &fds);
			snmp_read2(&fds);
			netsnmp_large_fd_set_cleanup(&fds);
		}
	}
	mib_close();
	snmp_notify_reset();
	snmp_shutdown(APP_NAME);
	shutdown_agent();
	for (int fd = 0; fd < sa.nfdev; fd++)
		if (sa.fdev[fd] != NULL)
			event_free(sa.fdev[fd]);
	free(sa.fdev);
	sa.fdev = NULL;
	sa.nfdev = 0;
	if (sa.tick != NULL)
		event_free(sa.tick);
	if (sa.timer != NULL)
		event_free(sa.timer);
	sa.tick = sa.timer = NULL;
	free(sa.path);
	free(sa.statedir);
	sa.path = sa.statedir = NULL;
	sa.sess = NULL;
	sa.state = SA_DOWN;
}

void
snmp_role_changed(enum snmp_role from, enum snmp_role to)
{
	if (sa.open && from != to)
		mib_role_set((int)from, (int)to);
}
