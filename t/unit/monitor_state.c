/*
 * t/unit/monitor_state.c - the state file keeps ids and hand-made settings
 * across restarts, matched by what an object is, not where it stands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/log.h"
#include "monitor/model.h"
#include "monitor/state.h"

static char	dir[] = "/tmp/lvsmon-state-XXXXXX";
static char	conf[128], state[128];

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
load(struct mon_model *m, const char *text)
{
	struct err	e = { "" };

	write_file(conf, text);
	if (mon_model_load(m, conf, &e) < 0)
		fail_msg("%s", e.msg);
}

#define HEAD "services = ( { name = \"web\"; address = \"203.0.113.10\";" \
	     " port = 80; real_servers = ( "
#define TAIL " ); } );\n"
#define R(x) "{ address = \"198.51.100." #x "\"; port = 8080; weight = 10; }"

static void
ids_follow_servers_when_one_is_inserted_before_them(void **st)
{
	struct mon_model	 m;
	struct err		 e = { "" };
	uint32_t		 id11, id12;

	(void)st;
	load(&m, HEAD R(11) "," R(12) TAIL);
	assert_int_equal(mon_state_load(&m, state), 0);	/* no file yet */
	id11 = mon_model_real(&m.svcs[0], "198.51.100.11:8080")->id;
	id12 = mon_model_real(&m.svcs[0], "198.51.100.12:8080")->id;
	assert_int_equal(mon_state_save(&m, state, &e), 0);
	mon_model_free(&m);

	load(&m, HEAD R(10) "," R(11) "," R(12) TAIL);	/* a new first server */
	assert_int_equal(mon_state_load(&m, state), 0);
	assert_int_equal(mon_model_real(&m.svcs[0], "198.51.100.11:8080")->id,
	    id11);
	assert_int_equal(mon_model_real(&m.svcs[0], "198.51.100.12:8080")->id,
	    id12);
	/* the newcomer takes an id nobody had */
	assert_int_not_equal(m.svcs[0].reals[0].id, id11);
	assert_int_not_equal(m.svcs[0].reals[0].id, id12);
	mon_model_free(&m);
}

static void
admin_state_and_weight_come_back_after_a_restart(void **st)
{
	struct mon_model	 m;
	struct err		 e = { "" };
	struct mon_real		*rs;

	(void)st;
	load(&m, HEAD R(11) "," R(12) TAIL);
	mon_state_load(&m, state);
	rs = mon_model_real(&m.svcs[0], "198.51.100.12:8080");
	rs->admin = MON_ADMIN_DRAIN;
	rs->admin_weight = 77;
	assert_int_equal(mon_state_save(&m, state, &e), 0);
	mon_model_free(&m);

	load(&m, HEAD R(11) "," R(12) TAIL);
	assert_int_equal(mon_state_load(&m, state), 0);
	rs = mon_model_real(&m.svcs[0], "198.51.100.12:8080");
	assert_int_equal(rs->admin, MON_ADMIN_DRAIN);
	assert_int_equal(rs->admin_weight, 77);
	rs = mon_model_real(&m.svcs[0], "198.51.100.11:8080");
	assert_int_equal(rs->admin, MON_ADMIN_ENABLED);
	assert_int_equal(rs->admin_weight, -1);
	mon_model_free(&m);
}

static void
an_unreadable_line_is_skipped_and_the_rest_kept(void **st)
{
	struct mon_model	 m;
	struct mon_real		*rs;

	(void)st;
	write_file(state,
	    "service tcp/203.0.113.10:80 id 9\n"
	    "real tcp/203.0.113.10:80 198.51.100.11:8080 id 5 admin sleepy\n"
	    "real tcp/203.0.113.10:80 198.51.100.12:8080 id 6 admin disabled\n"
	    "garbage\n");
	load(&m, HEAD R(11) "," R(12) TAIL);
	assert_int_equal(mon_state_load(&m, state), -EINVAL);
	assert_int_equal(m.svcs[0].id, 9);
	rs = mon_model_real(&m.svcs[0], "198.51.100.12:8080");
	assert_int_equal(rs->id, 6);
	assert_int_equal(rs->admin, MON_ADMIN_DISABLED);
	assert_int_equal(rs->eff_weight, 0);
	/* the unreadable server got a fresh id, distinct from the kept one */
	rs = mon_model_real(&m.svcs[0], "198.51.100.11:8080");
	assert_int_not_equal(rs->id, 6);
	assert_int_equal(rs->admin, MON_ADMIN_ENABLED);
	mon_model_free(&m);
}

/* The file as lvsmond wrote it, with one change made to it. */
static void
damage(const char *from, const char *to)
{
	char	 buf[4096], *at;
	FILE	*f = fopen(state, "r");
	size_t	 n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (to == NULL) {		/* cut the file at FROM */
		at = strstr(buf, from);
		assert_non_null(at);
		*at = '\0';
	} else {
		char	out[4096];

		at = strstr(buf, from);
		assert_non_null(at);
		*at = '\0';
		snprintf(out, sizeof(out), "%s%s%s", buf, to,
		    at + strlen(from));
		snprintf(buf, sizeof(buf), "%s", out);
	}
	write_file(state, buf);
}

/* Save drain/77 on .12, then load the file after DAMAGE: refused whole? */
static void
refused_after(const char *from, const char *to)
{
	struct mon_model	 m;
	struct err		 e = { "" };
	struct mon_real		*rs;
	char			 bad[160];

	load(&m, HEAD R(11) "," R(12) TAIL);
	mon_state_load(&m, state);
	rs = mon_model_real(&m.svcs[0], "198.51.100.12:8080");
	rs->admin = MON_ADMIN_DRAIN;
	rs->admin_weight = 77;
	assert_int_equal(mon_state_save(&m, state, &e), 0);
	mon_model_free(&m);

	damage(from, to);
	load(&m, HEAD R(11) "," R(12) TAIL);
	assert_int_equal(mon_state_load(&m, state), -EINVAL);
	rs = mon_model_real(&m.svcs[0], "198.51.100.12:8080");
	assert_int_equal(rs->admin, MON_ADMIN_ENABLED);	/* the config's */
	assert_int_equal(rs->admin_weight, -1);
	mon_model_free(&m);
	/* kept for the operator, out of the way of the next save */
	snprintf(bad, sizeof(bad), "%s.bad", state);
	assert_int_equal(access(state, F_OK), -1);
	assert_int_equal(access(bad, F_OK), 0);
	unlink(bad);
}

static void
a_file_cut_short_is_refused_whole(void **st)
{
	(void)st;
	refused_after("weight 77", NULL);	/* a cut "weight 7" ... */
}

static void
a_file_cut_at_a_line_end_is_refused_whole(void **st)
{
	(void)st;
	refused_after("end ", NULL);
}

static void
a_changed_digit_is_refused_whole(void **st)
{
	(void)st;
	refused_after("weight 77", "weight 17");
}

static void
a_line_added_after_the_end_is_refused_whole(void **st)
{
	(void)st;
	refused_after("\nend ", "\nservice tcp/203.0.113.10:80 id 4\nend ");
}

static int
setup(void **st)
{
	(void)st;
	mon_log_open(1, LOG_CRIT);
	unlink(state);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(ids_follow_servers_when_one_is_inserted_before_them, setup),
		cmocka_unit_test_setup(admin_state_and_weight_come_back_after_a_restart, setup),
		cmocka_unit_test_setup(an_unreadable_line_is_skipped_and_the_rest_kept, setup),
		cmocka_unit_test_setup(a_file_cut_short_is_refused_whole, setup),
		cmocka_unit_test_setup(a_file_cut_at_a_line_end_is_refused_whole, setup),
		cmocka_unit_test_setup(a_changed_digit_is_refused_whole, setup),
		cmocka_unit_test_setup(a_line_added_after_the_end_is_refused_whole, setup),
	};
	int	rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/lvsmond.conf", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(conf);
	unlink(state);
	rmdir(dir);
	return rc;
}
