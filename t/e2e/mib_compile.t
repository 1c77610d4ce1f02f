#!/bin/bash
# t/e2e/mib_compile.t - LVS-MIB.txt compiles cleanly with both MIB parsers
# (libsmi's smilint at level 3, Net-SNMP's snmptranslate), using only the
# test-only IETF stubs in t/mibs/, and every historical LVS-MIB object keeps
# the OID existing pollers use.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
SRC=$(cd "$T/.." && pwd)

command -v smilint >/dev/null && command -v snmptranslate >/dev/null ||
    skip_all "smilint or snmptranslate is not installed"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/cert_indexes"	# or the tools say they created it
# keep Net-SNMP's tools off the system's MIB path and state directory
export MIBS= MIBDIRS= SNMP_PERSISTENT_DIR=$TMP SNMPCONFPATH=$TMP
XL() { snmptranslate -M "$SRC/t/mibs:$SRC" -m LVS-MIB "$@"; }

# historical objects: name and OID, as the 2002 module numbered them
HIST="lvsVersion 1 lvsNumServices 2 lvsHashTableSize 3 lvsTcpTimeOut 4
lvsTcpFinTimeOut 5 lvsUdpTimeOut 6 lvsDaemonState 7 lvsMcastInt 8
lvsServiceTable 17 lvsServiceEntry 17.1 lvsServiceNumber 17.1.1
lvsServiceSchedType 17.1.2 lvsServiceProto 17.1.3 lvsServiceAddr 17.1.4
lvsServicePort 17.1.5 lvsServiceFWMark 17.1.6 lvsServicePersistTimeout 17.1.7
lvsServicePersistNetmask 17.1.8 lvsServiceNumDests 17.1.9
lvsServiceStatsConns 17.1.10 lvsServiceStatsInPkts 17.1.11
lvsServiceStatsOutPkts 17.1.12 lvsServiceStatsInBytes 17.1.13
lvsServiceStatsOutBytes 17.1.14 lvsServiceRateCps 17.1.15
lvsServiceRateInPPS 17.1.16 lvsServiceRateOutPPS 17.1.17
lvsServiceRateInBPS 17.1.18 lvsServiceRateOutBPS 17.1.19
lvsRealTable 18 lvsRealEntry 18.1 lvsRealServiceNumber 18.1.1
lvsRealServerNumber 18.1.2 lvsRealServerAddr 18.1.3 lvsRealServerPort 18.1.4
lvsRealServerFlags 18.1.5 lvsRealServerWeight 18.1.6 lvsRealStatsConns 18.1.7
lvsRealStatsInPkts 18.1.8 lvsRealStatsOutPkts 18.1.9
lvsRealStatsInBytes 18.1.10 lvsRealStatsOutBytes 18.1.11
lvsRealRateCps 18.1.12 lvsRealRateInPPS 18.1.13 lvsRealRateOutPPS 18.1.14
lvsRealRateInBPS 18.1.15 lvsRealRateOutBPS 18.1.16"
# wire types the old module served, as snmptranslate -Td names them
TYPES="lvsServiceStatsConns Counter32 lvsServiceStatsInBytes Counter64
lvsServiceRateInBPS Gauge32 lvsServiceAddr IpAddress lvsRealStatsConns Counter32
lvsRealStatsOutBytes Counter64 lvsRealServerAddr IpAddress"

plan 9

out=$(cd "$TMP" && SMIPATH="$SRC/t/mibs" smilint -l 3 "$SRC/LVS-MIB.txt" 2>&1)
rc=$?
is "$rc:$out" "0:" "smilint -l 3 reports nothing on LVS-MIB.txt"

err=$(XL -Tp -IR lvs 2>&1 >"$TMP/tree")
is "$err" "" "snmptranslate -Tp loads LVS-MIB without a warning"
lines=$(wc -l <"$TMP/tree")
between "$lines" 150 100000 "... and prints the whole tree ($lines lines)"

# one snmptranslate for all names: it prints one OID per name, in order
names=() want=()
set -- $HIST
while [ $# -ge 2 ]; do
	names+=("LVS-MIB::$1")
	want+=("$1 .1.3.6.1.4.1.8225.4711.$2")
	shift 2
done
got=$(XL -On "${names[@]}" 2>&1 | grep -v '^$' |
    paste -d' ' <(printf '%s\n' "${names[@]#LVS-MIB::}") -)
is "$got" "$(printf '%s\n' "${want[@]}")" \
    "all ${#names[@]} historical objects keep their OIDs under 8225.4711"

bad=""
set -- $TYPES
while [ $# -ge 2 ]; do
	XL -Td "LVS-MIB::$1" 2>/dev/null | grep -q "SYNTAX	$2" ||
	    bad="$bad $1!=$2"
	shift 2
done
is "$bad" "" "the historical counters, rates and addresses keep their types"

is "$(XL -On LVS-MIB::lvsmonRealStateChange 2>&1)" \
    ".1.3.6.1.4.1.8225.4711.100.0.1" "lvsmonRealStateChange is lvs.100.0.1"
is "$(XL -On LVS-MIB::lvsmonRealWeight 2>&1)" \
    ".1.3.6.1.4.1.8225.4711.100.3.1.8" "lvsmonRealWeight is lvs.100.3.1.8"
XL -Td LVS-MIB::lvsmonRealWeight 2>/dev/null |
    grep -q "MAX-ACCESS	read-write"
ok $? "lvsmonRealWeight is read-write"
XL -Td LVS-MIB::lvsServiceTable 2>/dev/null | grep -q "IPv6 services are only"
ok $? "the MIB says IPv6 services are only in the lvsmon tables"
