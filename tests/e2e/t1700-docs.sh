#!/usr/bin/env bash
# The docs a user gets (README.md, docs/*.md) stand alone and are true:
# no pointer to the project's own ../shared documents (a clone does not
# have them); every `collector ...` and `hub ...` command they show is one
# the program's --help lists; and docs/reference.md has every command and
# every option of both programs.
. "$(dirname "$0")/lib.sh"
HUB=${HUB:-$TOP/bin/hub}
DOCS=${DOCS:-$TOP}

cd "$DOCS" || exit 1
ln -s "$COLLECTOR" "$T_TMP/collector"
ln -s "$HUB" "$T_TMP/hub"
docs=(README.md docs/*.md)

grep -nE '\.\./shared|(CONTRACT|DOMAIN|QUECHUA|STYLE)\.md' "${docs[@]}" \
    >"$T_OUT"
t_is "$(cat "$T_OUT")" "" "no doc points to ../shared or its documents"

# Each program's commands, and the subcommands of those that have them,
# as --help lists them (in English).
helps() {	# program
	local p=$1 c
	"$p" --help | awk '/^  [a-z]/ { print $1 }' | while read -r c; do
		echo "$c"
		"$p" "$c" --help 2>/dev/null |
		    sed -nE "s/^(usage:)? +$(basename "$p") $c ([a-z][a-z-]*).*/$c \\2/p"
		"$p" "$c" --help 2>/dev/null |
		    grep -oE -- '--[a-z][a-z-]*' | sed "s/^/$c /"
	done | sort -u
}
helps "$COLLECTOR" >"$T_TMP/collector.cmds"
helps "$HUB" >"$T_TMP/hub.cmds"
t_check "collector --help lists its commands" grep -qx fill "$T_TMP/collector.cmds"
t_check "hub --help lists its commands" grep -qx "forms publish" "$T_TMP/hub.cmds"

# Every command shown in code: a backquoted span or an indented line
# that starts with the program (after "$ " or "sudo -u USER"). A command
# that --help says is not available yet may be named as such.
for p in collector hub; do
	"$T_TMP/$p" --help 2>/dev/null |
	    sed -nE 's/^([a-z][a-z, ]*): not available yet\.$/\1/p' |
	    tr -c 'a-z\n' '\n' | grep -vxE 'and|' >>"$T_TMP/$p.cmds"
done
python3 - "$T_TMP" "${docs[@]}" >"$T_OUT" <<'PY'
import re, sys
tmp = sys.argv[1]
known = {p: set(open(f"{tmp}/{p}.cmds").read().split("\n"))
         for p in ("collector", "hub")}
cmd = re.compile(r"^\s*(?:\$\s+)?(?:sudo(?:\s+-u\s+\S+)?\s+)?(?:\S*/)?"
                 r"(collector|hub)(?:\s+--home[= ]\S+)?\s+([a-z][a-z-]*)"
                 r"(?:\s+([a-z][a-z-]*))?")
for path in sys.argv[2:]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        spans = re.findall(r"`([^`]+)`", line)
        if line.startswith("    ") or line.startswith("\t"):
            spans.append(line)
        for s in spans:
            m = cmd.match(s)
            if m is None or m.group(2) == "help":
                continue
            prog, c, sub = m.groups()
            subs = {k for k in known[prog]
                    if k.startswith(c + " ") and " --" not in k}
            if c not in known[prog]:
                print(f"{path}:{n}: '{prog} {c}' is not a command of "
                      f"'{prog} --help'")
            elif subs and sub and f"{c} {sub}" not in subs:
                print(f"{path}:{n}: '{prog} {c} {sub}' is not in "
                      f"'{prog} {c} --help'")
PY
t_is "$(cat "$T_OUT")" "" "every command the docs show is one --help lists"

# docs/reference.md: every command, subcommand and option.
: >"$T_OUT"
for p in collector hub; do
	while read -r c rest; do
		[ -n "$c" ] || continue
		if [ -z "$rest" ]; then
			grep -qF "\`$p $c" docs/reference.md ||
			    echo "reference.md lacks '$p $c'" >>"$T_OUT"
		elif [ "${rest#--}" != "$rest" ]; then
			[ "$rest" = --help ] || [ "$rest" = --version ] ||
			grep -E "^\| \`$p $c[ \`]" docs/reference.md |
			    grep -qF -- "$rest" ||
			    echo "reference.md lacks '$p $c $rest'" >>"$T_OUT"
		else
			grep -qF "\`$p $c $rest" docs/reference.md ||
			    echo "reference.md lacks '$p $c $rest'" >>"$T_OUT"
		fi
	done <"$T_TMP/$p.cmds"
done
t_is "$(cat "$T_OUT")" "" "docs/reference.md has every command and option"
t_done
