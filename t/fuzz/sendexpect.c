/*
 * t/fuzz/sendexpect.c - a send/expect spec: the config's `steps` list (as
 * libconfig text, escapes \r \n \t \xHH included) compiled by
 * chk_se_from_config(): hex with ?? wildcards, PCRE2 regexes, TLS keys,
 * timeouts, the one-action-per-step rule.  A list that compiles is freed
 * again; one that does not must say why.
 *
 * Input: the libconfig text of the list, without "steps = " (the
 * harness adds it, so the fuzzer spends its time inside the list).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "checkers/sendexpect.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	config_t		 cfg;
	const config_setting_t	*steps;
	struct chk_se_prog	*prog = NULL;
	struct err		 e = { "" };
	char			*text;

	if (size > 16384)
		return -1;
	if ((text = malloc(size + 16)) == NULL)
		return 0;
	memcpy(text, "steps = ", 8);
	memcpy(text + 8, data, size);
	memcpy(text + 8 + size, ";", 2);
	config_init(&cfg);
	if (config_read_string(&cfg, text) == CONFIG_TRUE &&
	    (steps = config_lookup(&cfg, "steps")) != NULL) {
		if (chk_se_from_config(steps, &prog, &e) == 0)
			chk_se_free(prog);
		else if (e.msg[0] == '\0')
			abort();
	}
	config_destroy(&cfg);
	free(text);
	return 0;
}
