#!/bin/bash
# t/e2e/daemon_nft.t - lvsmond on the nft backend: the shared daemon
# scenario (t/scenarios/daemon.sh: split by weight, fail and restore, set
# weight, kill -9 and restart under an established connection), with the
# kernel's table read by nft.  The IPVS guest runs the same scenario with
# ipvsadm (t/vm/tests/ipvs_daemon.t).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/scenarios/daemon.sh"
need_lab
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"

plan "$SCENARIO_DAEMON_TESTS"
scenario_daemon nft
