#!/usr/bin/env bash
# Form attachments: a list of 1,000, 10,000 and 100,000 centros poblados
# (5 columns) read by `collector forms eval` with a pulldata() lookup; the
# time past the same command without the file, per row, must stay flat
# (loading is linear: hashed rows, one reader pass). Beside it, the
# baseline of the machine: `sort` of the same file.
set -eu
BIN=${BIN:-bin}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
now() { date +%s.%N; }

printf 'survey,,,\n,type,name,label\n,select_one_from_file c.csv,a,A\n' \
	>"$d/f.csv"
mkdir "$d/f-media" "$d/none"
run() {	# media-dir: average seconds of 3 runs
	local t0 t1 i
	t0=$(now)
	for i in 1 2 3; do
		"$BIN/collector" forms eval "$d/f.csv" \
		    "pulldata('c', 'altitude', 'name', '300000999')" \
		    --media "$1" >/dev/null 2>&1 || true
	done
	t1=$(now)
	echo "scale=4; ($t1 - $t0) / 3" | bc -l
}
echo "== attachments: forms eval with a pulldata() over a CSV list =="
base=$(run "$d/none")
printf '%-34s %8s s\n' "without the file (start-up)" "$base"
for n in 1000 10000 100000; do
	awk -v n=$n 'BEGIN {
		print "name,label,district,health_post,altitude"
		for (i = 0; i < n; i++)
			printf "%d,Centro poblado %d,d%d,Puesto %d,%d\n",
			    300000000 + i, i, i % 80, i % 500, 2800 + i % 1500
	}' >"$d/f-media/c.csv"
	t=$(run "$d/f-media")
	t0=$(now)
	sort "$d/f-media/c.csv" >/dev/null
	s=$(echo "$(now) - $t0" | bc -l)
	printf '%-34s %8s s  %8s us/row  %6sx sort\n' "$n rows" "$t" \
	    "$(echo "scale=2; ($t - $base) * 1000000 / $n" | bc -l)" \
	    "$(echo "scale=1; ($t - $base) / $s" | bc -l)"
done
