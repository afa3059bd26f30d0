#!/usr/bin/env bash
# kill -9 at random moments of `collector fill`, interactive (through the
# pseudo-terminal) and --answers, a few hundred times; then the store must
# pass PRAGMA integrity_check, hold every answer whose acceptance was seen
# (the next question was on the screen), resume every draft with
# `collector edit`, and hold each --answers submission wholly or not at all.
#
# CRASH_KILLS (default 160 of each kind) and CRASH_SEED reproduce a run.
. "$(dirname "$0")/lib.sh"

KILLS=${CRASH_KILLS:-160}
SEED=${CRASH_SEED:-$$}
RANDOM=$SEED
echo "# seed $SEED, $KILLS kills of each kind"
t_store || { echo "Bail out! cannot make a store"; exit 1; }

# The household survey as a list of steps: what is typed, and what the
# program shows once it has accepted it.
steps_send=("P" "" 1 y "C" 5 n "1 3" 12.5 "" "")
steps_next=("Age of the head" "Are there children?" "Add a 'Child'"
	"Child's name" "Child's age" "Add another" "Services at home"
	"Floor area" "Thank you" "Review of the answers" "Finalized")
prompts=("Name of the head" "${steps_next[@]}")
nsteps=${#steps_send[@]}

# Interactive: answer k steps (each acceptance seen), type step k+1, kill
# a random few microseconds later (before, during or after its commit).
declare -A done_k
for ((i = 1; i <= KILLS; i++)); do
	k=$((RANDOM % nsteps))
	delay=$((RANDOM % 4000))
	{
		echo "expect > "
		for ((j = 0; j <= k; j++)); do
			s=${steps_send[j]}
			[ "$j" -eq 0 ] && s="P$i"
			[ "$j" -eq 1 ] && s=$((20 + i % 60))
			[ "$j" -eq 4 ] && s="C$i"
			echo "send $s"
			if [ "$j" -lt "$k" ]; then
				echo "expect ${steps_next[j]}"
				echo "expect > "
			fi
		done
		echo "usleep $delay"
		echo "kill"
	} >"$T_TMP/script"
	"$PTYRUN" -t 10 "$COLLECTOR" --home "$T_HOME" fill household \
	    <"$T_TMP/script" >"$T_TMP/transcript" 2>&1
	rc=$?
	if [ "$rc" -ne 137 ] && ! { [ "$rc" -eq 0 ] && [ "$k" -eq 10 ]; }; then
		t_fail "interactive run $i (k=$k) ended with $rc" \
		    "$(tail -5 "$T_TMP/transcript" | tr -d '\r')"
	fi
	done_k[$i]=$k
done
t_ok "$KILLS kill -9s in the middle of interactive surveys"

# --answers: killed at a random moment, or not at all. How long one run
# takes here (sanitizers make it several times slower) sets the range.
echo '{"head": "timing", "age": 30, "has_kids": "no"}' >"$T_TMP/t.json"
t0=$(date +%s%N)
"$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/t.json" \
    >/dev/null 2>&1
span=$(( ($(date +%s%N) - t0) / 1000 * 12 / 10 ))	# microseconds
echo "# one --answers run: $((span * 10 / 12)) us"
for ((i = 1; i <= KILLS; i++)); do
	printf '{"head": "A%d", "age": %d, "has_kids": "yes", "child": [{"child_name": "K%d", "child_age": 3}], "home": {"services": "power", "area": 40}}' \
	    "$i" $((20 + i % 60)) "$i" >"$T_TMP/a$i.json"
	"$COLLECTOR" --home "$T_HOME" fill household --answers "$T_TMP/a$i.json" \
	    >/dev/null 2>&1 &
	pid=$!
	delay=$(( (RANDOM * 32768 + RANDOM) % span ))
	sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
t_ok "$KILLS kill -9s in the middle of fill --answers"

t_is "$(t_sql 'PRAGMA integrity_check')" ok "PRAGMA integrity_check is ok"

# Everything in one query: instance, state, path=value pairs.
t_sql "SELECT s.instance_id, s.state, (SELECT value FROM answers WHERE submission = s.id AND path = 'head'), (SELECT group_concat(path || '=' || value, ';') FROM (SELECT path, value FROM answers WHERE submission = s.id ORDER BY path)) FROM submissions s" \
    >"$T_TMP/dump"

# Expected answers after k accepted steps of interactive run i.
expect_after() {	# i k
	local i=$1 k=$2 e=()
	[ "$k" -ge 1 ] && e+=("head=P$i")
	[ "$k" -ge 2 ] && e+=("age=$((20 + i % 60))")
	[ "$k" -ge 3 ] && e+=("has_kids=yes")
	[ "$k" -ge 5 ] && e+=("child[1]/child_name=C$i")
	[ "$k" -ge 6 ] && e+=("child[1]/child_age=5")
	[ "$k" -ge 8 ] && e+=("home/services=water sewer")
	[ "$k" -ge 9 ] && e+=("home/area=12.5")
	printf '%s\n' "${e[@]}"
}

lost=0 extra=0 resumed=0 badresume=0 whole=0 absent=0 broken=0
for ((i = 1; i <= KILLS; i++)); do
	k=${done_k[$i]}
	row=$(awk -F'|' -v h="P$i" '$3 == h' "$T_TMP/dump")
	if [ "$k" -ge 1 ] && [ -z "$row" ]; then
		lost=$((lost + 1))
		echo "# run $i: $k steps accepted, no submission"
		continue
	fi
	[ -z "$row" ] && continue
	if [ "$(echo "$row" | wc -l)" -ne 1 ]; then
		extra=$((extra + 1))
		continue
	fi
	pairs=$(echo "$row" | cut -d'|' -f4 | tr ';' '\n')
	while IFS= read -r want; do
		[ -z "$want" ] && continue
		if ! grep -qxF -- "$want" <<<"$pairs"; then
			lost=$((lost + 1))
			echo "# run $i (k=$k): '$want' missing; has: $(echo $pairs)"
		fi
	done < <(expect_after "$i" "$k")
	id=$(echo "$row" | cut -d'|' -f1)
	state=$(echo "$row" | cut -d'|' -f2)
	[ "$state" = draft ] || continue
	# The draft resumes at the question after the last one accepted (or
	# the one after that, when the killed answer was committed; a repeat
	# prompt or a note is shown again).
	printf '!\n' | "$COLLECTOR" --home "$T_HOME" edit "$id" \
	    >"$T_TMP/resume" 2>&1
	first=$(grep -m1 -oE "$(printf '%s|' "${prompts[@]}" | sed 's/|$//; s/[?]/[?]/g')" "$T_TMP/resume")
	ok=0
	for j in $((k - 1)) "$k" $((k + 1)); do
		[ "$j" -ge 0 ] && [ "$j" -lt ${#prompts[@]} ] &&
		    [ "$first" = "${prompts[j]}" ] && ok=1
	done
	if [ "$ok" -eq 1 ] && grep -q "Draft saved" "$T_TMP/resume"; then
		resumed=$((resumed + 1))
	else
		badresume=$((badresume + 1))
		echo "# run $i (k=$k): resumed at '$first'"
		sed "s/^/#   /" "$T_TMP/resume" | head -12
	fi
done
for ((i = 1; i <= KILLS; i++)); do
	row=$(awk -F'|' -v h="A$i" '$3 == h' "$T_TMP/dump")
	if [ -z "$row" ]; then
		absent=$((absent + 1))
	elif [ "$(echo "$row" | cut -d'|' -f2)" = finalized ] &&
	    [ "$(echo "$row" | cut -d'|' -f4)" = "age=$((20 + i % 60));age_months=$(((20 + i % 60) * 12));child[1]=;child[1]/child_age=3;child[1]/child_name=K$i;has_kids=yes;head=A$i;home/area=40;home/services=power" ]; then
		whole=$((whole + 1))
	else
		broken=$((broken + 1))
		echo "# --answers run $i half there: $row"
	fi
done
echo "# interactive: $resumed drafts resumed; --answers: $whole whole, $absent absent"
t_is "$lost" 0 "no accepted answer is lost"
t_is "$extra" 0 "no survey is stored twice"
t_is "$badresume" 0 "every draft resumes with collector edit at the right question"
t_check "some drafts were resumed" test "$resumed" -gt 0
t_is "$broken" 0 "every --answers submission is wholly there or absent"
t_check "some --answers runs finished, some were cut" \
	test "$whole" -gt 0 -a "$absent" -gt 0
t_is "$(t_sql 'PRAGMA integrity_check')" ok "still intact after the resumes"
t_done
