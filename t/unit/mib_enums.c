/*
 * t/unit/mib_enums.c - LVS-MIB.txt's enumerations say what lvsmond's tables
 * say: the check reasons are chk_reasons[] (label = the code in lower case,
 * number = enum chk_reason), real states are mon_rs_state_names[] and admin
 * states mon_admin_names[] (number = enum value + 1), in both directions;
 * the alarm's subject and kind are mon_alert_what_names[] and the kinds of
 * enum mon_alert_kind (+1); the director role's labels are the failover
 * roles' names (mon_ha_role_names[], "off" shown as standalone).
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/alert.h"
#include "monitor/ha.h"
#include "monitor/probe.h"
#include "monitor/resource.h"

struct item {
	char	label[64];
	long	num;
};

static char *
read_mib(void)
{
	const char	*src = getenv("LVSMON_SRC");
	char		 path[4096];
	FILE		*f;
	char		*buf;
	long		 n;

	snprintf(path, sizeof(path), "%s%sLVS-MIB.txt", src ? src : "",
	    src ? "/" : "");
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s (run from the source tree or set "
		    "LVSMON_SRC)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The "INTEGER { a(1), b(2) }" of object's SYNTAX, into items. */
static size_t
enum_of(const char *mib, const char *object, struct item *it, size_t max)
{
	char		 head[128];
	const char	*p, *end;
	size_t		 n = 0;

	snprintf(head, sizeof(head), "\n%s OBJECT-TYPE", object);
	p = strstr(mib, head);
	if (p == NULL)
		fail_msg("%s not defined in LVS-MIB.txt", object);
	p = strstr(p, "SYNTAX");
	assert_non_null(p);
	p = strchr(p, '{');
	assert_non_null(p);
	end = strchr(p, '}');
	assert_non_null(end);
	for (p++; p < end && n < max; ) {
		size_t	len = 0;

		while (p < end && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (p >= end)
			break;
		while (p < end && *p != '(' && len < sizeof(it[n].label) - 1)
			it[n].label[len++] = *p++;
		it[n].label[len] = '\0';
		assert_true(p < end && *p == '(');
		it[n].num = strtol(p + 1, (char **)&p, 10);
		assert_true(*p == ')');
		p++;
		n++;
	}
	return n;
}

static void
lower(char *dst, const char *src, size_t len)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i < len - 1; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static void
check_reason_enum_matches_chk_reasons(void **state)
{
	char		*mib = read_mib();
	struct item	 it[64];
	size_t		 n = enum_of(mib, "lvsmonRealLastReason", it, 64);
	char		 want[64];

	(void)state;
	/* every reason of the table is in the MIB, same number ... */
	assert_int_equal(n, CHK_R__COUNT);
	for (size_t i = 0; i < CHK_R__COUNT; i++) {
		lower(want, chk_reasons[i].code, sizeof(want));
		assert_string_equal(it[i].label, want);
		assert_int_equal(it[i].num, (long)i);
	}
	/* ... and the MIB has no label the table lacks */
	for (size_t i = 0; i < n; i++)
		assert_true(it[i].num >= 0 && it[i].num < CHK_R__COUNT);
	free(mib);
}

static void
real_state_enums_match_the_state_machine(void **state)
{
	char		*mib = read_mib();
	struct item	 it[16];
	const char	*cols[] = { "lvsmonRealState", "lvsmonRealPrevState" };

	(void)state;
	for (size_t c = 0; c < 2; c++) {
		size_t n = enum_of(mib, cols[c], it, 16);

		assert_int_equal(n, MON_RS__COUNT);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(it[i].label,
			    mon_rs_state_names[i]);
			assert_int_equal(it[i].num, (long)i + 1);
		}
	}
	free(mib);
}

static void
admin_enum_matches_admin_states(void **state)
{
	char		*mib = read_mib();
	struct item	 it[16];
	size_t		 n = enum_of(mib, "lvsmonRealAdmin", it, 16);

	(void)state;
	assert_int_equal(n, MON_ADMIN__COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(it[i].label, mon_admin_names[i]);
		assert_int_equal(it[i].num, (long)i + 1);
	}
	free(mib);
}

static void
alarm_subject_and_kind_match_the_policy(void **state)
{
	char		*mib = read_mib();
	struct item	 it[16];
	size_t		 n = enum_of(mib, "lvsmonAlarmSubject", it, 16);

	(void)state;
	assert_int_equal(n, MON_ALERT_WHAT__COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(it[i].label, mon_alert_what_names[i]);
		assert_int_equal(it[i].num, (long)i + 1);
	}
	/* kinds: the MIB spells flap_end flappingEnd, so numbers only,
	   and the one the failover added by name */
	n = enum_of(mib, "lvsmonAlarmKind", it, 16);
	assert_int_equal(n, MON_ALERT__COUNT);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(it[i].num, (long)i + 1);
	assert_string_equal(it[MON_ALERT_NOTICE].label, "notice");
	free(mib);
}

static void
director_role_labels_are_the_failover_roles(void **state)
{
	char		*mib = read_mib();
	struct item	 it[16];
	const char	*cols[] = { "lvsmonDirectorRole",
			    "lvsmonDirectorPrevRole", "lvsmonPeerRole" };
	/* MIB number -> the role it shows (INIT shows as backup) */
	const int	 role[] = { 0, MON_HA_OFF, MON_HA_MASTER,
			    MON_HA_BACKUP, MON_HA_FAULT };

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		size_t n = enum_of(mib, cols[c], it, 16);

		assert_int_equal(n, c == 2 ? 5 : 4);
		for (size_t i = 0; i < 4; i++) {
			assert_int_equal(it[i].num, (long)i + 1);
			assert_string_equal(it[i].label, i == 0 ?
			    "standalone" : mon_ha_role_names[role[i + 1]]);
		}
	}
	assert_string_equal(it[4].label, "unknown");
	free(mib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_reason_enum_matches_chk_reasons),
		cmocka_unit_test(real_state_enums_match_the_state_machine),
		cmocka_unit_test(admin_enum_matches_admin_states),
		cmocka_unit_test(alarm_subject_and_kind_match_the_policy),
		cmocka_unit_test(director_role_labels_are_the_failover_roles),
	};

	return cmocka_run_group_tests_name("mib_enums", tests, NULL, NULL);
}
