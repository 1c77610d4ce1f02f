/*
 * t/fuzz/snmpset.c - SNMP SET requests on lvsmonRealTable as snmpd's
 * AgentX master hands them to the subagent: varbinds of any type, length
 * and value, on a row that exists or not, any column.  The handler's own
 * steps run (mib/lvsmon.c): RESERVE1 checks every varbind with
 * mib_lvsmon_check_set() and one bad varbind refuses the whole request;
 * then ACTION applies each with mib_lvsmon_apply() through the command
 * path, and a failed ACTION undoes the ones before it (UNDO).
 *
 * Input: varbinds of [row][column][ASN type][len][len bytes], at most 8.
 * The value is set the way Net-SNMP's AgentX parser builds a varbind
 * (snmp_set_var_typed_value()); an integer type takes its 4 bytes as the
 * wire's 32-bit value.  Invariant: a refused request changes no real.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "mib/rows.h"
#include "monitor/log.h"
#include "monitor/model.h"
#include "monitor/state.h"
#include "tmp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define VBS	8

static struct mon_model	 m;
static struct mib_real	 rows[2];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct err	 e = { "" };
	char		 dir[256], conf[300];
	FILE		*f;
	struct mon_service *s;

	fz_tmpdir(dir, sizeof(dir), "snmp");
	snprintf(conf, sizeof(conf), "%s/lvsmond.conf", dir);
	if ((f = fopen(conf, "w")) == NULL)
		abort();
	fprintf(f, "global = { backend = \"none\"; state_file = \"%s/state\"; "
	    "control_socket = \"%s/sock\"; };\n"
	    "services = ( { name = \"web\"; address = \"203.0.113.10\"; "
	    "port = 80; real_servers = ( { address = \"198.51.100.11\"; "
	    "port = 80; weight = 100; }, { address = \"198.51.100.12\"; "
	    "port = 8080; weight = 0; } ); } );\n", dir, dir);
	fclose(f);
	mon_log_level(LOG_ERR);
	if (mon_model_load(&m, conf, &e) < 0) {
		fprintf(stderr, "snmpset harness: %s\n", e.msg);
		abort();
	}
	unlink(conf);
	/* the state file is written after a loop turn that never comes:
	   a SET per input must not fsync */
	if (mon_state_defer_open(&m, event_base_new()) < 0)
		abort();
	mib.m = &m;
	s = mon_model_service(&m, "web");
	rows[0].rs = mon_model_real(s, "198.51.100.11:80");
	rows[1].rs = mon_model_real(s, "198.51.100.12:8080");
	if (rows[0].rs == NULL || rows[1].rs == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	netsnmp_variable_list	 vb[VBS];
	struct mib_real		*mr[VBS];
	unsigned		 col[VBS];
	long			 old[VBS];
	int			 was[2][2];
	size_t			 n = 0, i;

	memset(vb, 0, sizeof(vb));
	while (n < VBS && size >= 4) {
		uint8_t	type = data[2];
		size_t	len = data[3];
		long	v;

		mr[n] = data[0] % 3 < 2 ? &rows[data[0] % 3] : NULL;
		col[n] = data[1];
		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		if ((type == ASN_INTEGER || type == ASN_GAUGE ||
		    type == ASN_COUNTER || type == ASN_TIMETICKS ||
		    type == ASN_UINTEGER) && len >= 4) {
			int32_t	w;

			memcpy(&w, data, 4);
			v = w;
			snmp_set_var_typed_value(&vb[n], type, &v, sizeof(v));
		} else
			snmp_set_var_typed_value(&vb[n], type, data, len);
		data += len;
		size -= len;
		n++;
	}
	for (i = 0; i < 2; i++) {
		was[i][0] = (int)rows[i].rs->admin;
		was[i][1] = rows[i].rs->admin_weight;
	}
	/* RESERVE1: all or nothing */
	for (i = 0; i < n; i++)
		if (mib_lvsmon_check_set(mr[i], col[i], &vb[i]) != 0)
			break;
	if (i < n) {
		for (i = 0; i < 2; i++)
			if (was[i][0] != (int)rows[i].rs->admin ||
			    was[i][1] != rows[i].rs->admin_weight)
				abort();
		goto out;
	}
	/* ACTION, UNDO on failure: what set_modes() does */
	for (i = 0; i < n; i++) {
		old[i] = col[i] == MIB_LVSMON_COL_ADMIN ?
		    (long)mr[i]->rs->admin + 1 : mr[i]->rs->admin_weight;
		if (mib_lvsmon_apply(mr[i], col[i], *vb[i].val.integer) < 0)
			break;
	}
	if (i < n)
		while (i-- > 0)
			mib_lvsmon_apply(mr[i], col[i], old[i]);
out:
	for (i = 0; i < n; i++)
		snmp_free_var_internals(&vb[i]);
	return 0;
}
