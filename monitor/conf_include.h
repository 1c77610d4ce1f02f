/*
 * monitor/conf_include.h - what libconfig's @include may not be given.
 */
#ifndef MON_CONF_INCLUDE_H
#define MON_CONF_INCLUDE_H

#include "err.h"

/*
 * Walk file's @include lines (and theirs, 10 deep as libconfig) before
 * libconfig does: an @include naming a directory, a FIFO or a device is
 * refused here with "FILE:LINE: @include \"P\": not a regular file",
 * because libconfig 1.5's scanner exit()s the process ("input in flex
 * scanner failed") when read() fails on it: a reload would kill the
 * daemon.  A missing file is left to libconfig (its own clear error).
 * 0, or -EINVAL with e.
 */
int	mon_conf_includes_check(const char *file, struct err *e);

#endif
