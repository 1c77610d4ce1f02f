#!/bin/bash
# t/e2e/ecmp_hash.t - consistent hashing across directors (nft backend):
# with scheduler sh and the same hash_seed, the same client 5-tuple
# reaches the same real server through either director, although the two
# directors list the reals in a different order and gave them different
# ids (director b learnt its third real by a reload).  Each tuple is sent
# to each director directly (from Pa-hc and Pb-hc, which have the same
# addresses), not through the router.  Control: a service without
# hash_seed whose id differs between the directors maps some tuples
# differently (so the comparison can tell).  Picture: t/ecmp.sh.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/ecmp.sh"
need_lab

P=$(lab_prefix)
A=${P}a B=${P}b
NT=6	# tuples: 192.0.2.130..135, source ports 40001..40006

plan $((7 + NT))
ecmp_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" -l "$(lab_rs_addr "$i"):8081" ||
	    bail_out "rsd $i did not start"
done

# conf D "ORDER" WEB2FIRST: services web (sh, hash_seed) and ctl (sh, no
# seed: its seed follows its id); reals in ORDER (e.g. "1 2 3")
conf()
{
	local d=$1 order=$2 first=$3 dir i sep svc_web svc_ctl reals=""
	dir=$(lab_dir "$P$d")
	for i in $order; do
		reals+="${sep:-}{ address = \"$(lab_rs_addr "$i")\"; port = 8080; }"
		sep=", "
	done
	svc_web="{ name = \"web\"; address = \"$ECMP_VIP\"; port = 80;
	    scheduler = \"sh\"; hash_seed = 12345;
	    check = { type = \"tcp\"; port = 8081; interval = 0.5; };
	    real_servers = ( $reals ); }"
	svc_ctl="{ name = \"ctl\"; address = \"$ECMP_VIP\"; port = 81;
	    scheduler = \"sh\";
	    check = { type = \"tcp\"; port = 8081; interval = 0.5; };
	    real_servers = ( $reals ); }"
	cat <<CONF
global = {
  backend = "nft";
  control_socket = "$dir/ctl.sock";
  state_file = "$dir/state";
};
services = (
CONF
	if [ "$first" = ctl ]; then
		echo "$svc_ctl, $svc_web"
	else
		echo "$svc_web, $svc_ctl"
	fi
	echo ");"
}

# who D K PORT: which real answers tuple K (source 192.0.2.(129+K), source
# port 40000+K) through director D
who()
{
	local d=$1 k=$2 port=$3 out
	out=$(lab_tally_in "$P$d" hc -c 1 -t 2000 \
	    -b "192.0.2.$((129 + k)):$((40000 + k + (port - 80) * 100))" \
	    "$ECMP_VIP:$port")
	awk '$1 != "fail" && $2 == 1 { print $1 }' <<<"$out"
}

all_up()
{
	local p=$1 n
	n=$(lab_ctl "$p" show --json 2>/dev/null | grep -o '"state":"up"' |
	    wc -l)
	[ "$n" -eq 6 ]
}

conf a "1 2 3" web >"$(lab_dir "$A")/lvsmond.conf"
conf b "3 1" ctl >"$(lab_dir "$B")/lvsmond.conf"
lab_daemon_start "$A" "$(lab_dir "$A")/lvsmond.conf" ||
    bail_out "lvsmond a did not start"
lab_daemon_start "$B" "$(lab_dir "$B")/lvsmond.conf" ||
    bail_out "lvsmond b did not start"
# b's reals become "3 2 1" by a reload: rs2 gets a new, higher id
conf b "3 2 1" ctl >"$(lab_dir "$B")/lvsmond.conf"
like "$(lab_ctl "$B" reload)" "^reloaded" \
    "director b learns rs2 by a reload (its ids now differ from a's)"
wait_until 20 all_up "$A"
ok $? "director a: every real up"
wait_until 20 all_up "$B"
ok $? "director b: every real up"
ida=$(lab_field "$A" web 198.51.100.12:8080 id)
idb=$(lab_field "$B" web 198.51.100.12:8080 id)
note "rs2's id: director a $ida, director b $idb"
check "rs2 has different ids on the two directors" [ "$ida" != "$idb" ]

seen="" differ=0
for ((k = 1; k <= NT; k++)); do
	ra=$(who a "$k" 80) rb=$(who b "$k" 80)
	note "tuple 192.0.2.$((129 + k)):$((40000 + k)) -> $ECMP_VIP:80:" \
	    "director a: ${ra:-none}, director b: ${rb:-none}"
	is "${rb:-(none through b)}" "${ra:-(none through a)}" \
	    "tuple $k: the same real server through either director"
	seen+=" $ra"
	[ "$(who a "$k" 81)" != "$(who b "$k" 81)" ] && differ=$((differ + 1))
done
n=$(tr ' ' '\n' <<<"$seen" | sort -u | grep -c .)
between "$n" 2 3 "the tuples spread over more than one real ($n)"
note "control service (no hash_seed, ids 1 and 2): $differ of $NT tuples" \
    "mapped differently"
between "$differ" 1 "$NT" \
    "without a shared seed the directors disagree on some tuples"
ra=$(who a 1 80)
is "$(who a 1 80)" "$ra" "a tuple sent again lands on the same real"
