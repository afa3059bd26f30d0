#!/usr/bin/env bash
# Correcting a finalized survey (`collector edit ID`): the revision is a
# whole survey of its own. Every answer of the one it replaces is in it,
# in the store (not only in its frozen JSON), whether it is finalized at
# once, saved as a draft with '!' and resumed, or edited again later.
. "$(dirname "$0")/lib.sh"

ANEMIA=$TOP/docs/examples/anemia-child.json
# The answers of a submission as "path=value" lines, sorted, without the
# metadata that a revision has of its own.
answers_of() {	# instance_id
	t_sql "SELECT path || '=' || value FROM answers a JOIN submissions s
	    ON s.id = a.submission WHERE s.instance_id = '$1'
	    ORDER BY path" | grep -vE '^(start|end|today|deviceid|meta/)'
}

t_home
t_run init --device dev-01
t_run fill anemia --answers "$ANEMIA"
t_is "$T_RC" 0 "a survey from --answers"
ORIG=$(cat "$T_OUT")
answers_of "$ORIG" >"$T_TMP/orig"
t_check "the original has its answers in the store" \
	test "$(wc -l <"$T_TMP/orig")" -gt 10

# 1. Finalize the revision at once (one change, so it is a new revision).
printf '2\nYanaca\n\n' | t_run edit "$ORIG"
t_is "$T_RC" 0 "edit, change one answer, finalize"
REV=$(grep -oE 'uuid:[0-9a-f-]{36}' "$T_OUT" | tail -1)
t_check "the revision has its own id" test -n "$REV" -a "$REV" != "$ORIG"
answers_of "$REV" >"$T_TMP/rev"
sed 's/^community=Pampamarca$/community=Yanaca/' "$T_TMP/orig" \
    >"$T_TMP/want"
t_is "$(diff "$T_TMP/want" "$T_TMP/rev" && echo same)" same \
	"the finalized revision holds every answer in the store"
t_run show "$REV"
t_has "$T_OUT" "Código del hogar: 030401-0127" \
	"show of the revision prints the unchanged answers"
t_has "$T_OUT" "Hemoglobina medida (g/dL): 11.5" "and the computed ones' sources"
printf '!\n' | t_run edit "$REV"
t_has "$T_OUT" "3. Código del hogar: 030401-0127" \
	"edit of the revision starts from every answer"
t_has "$T_OUT" "2. Comunidad o centro poblado: Yanaca" \
	"with the revision's change"

# 2. A revision saved as a draft with '!', then resumed.
t_home
t_run init --device dev-01
t_run fill anemia --answers "$ANEMIA"
ORIG=$(cat "$T_OUT")
answers_of "$ORIG" >"$T_TMP/orig"
printf '3\n030401-0999\n!\n' | t_run edit "$ORIG"
t_has "$T_OUT" "Draft saved" "edit, change one answer, '!'"
DRAFT=$(grep -oE 'uuid:[0-9a-f-]{36}' "$T_OUT" | tail -1)
answers_of "$DRAFT" >"$T_TMP/draft"
sed 's/^household_id=030401-0127$/household_id=030401-0999/' \
    "$T_TMP/orig" >"$T_TMP/want"
t_is "$(diff "$T_TMP/want" "$T_TMP/draft" && echo same)" same \
	"the revision draft holds every answer, not only the changed one"
t_run show "$DRAFT" --json
t_is "$(jq -r '.data.community, .data.hb_measured, .data.household_id' \
    "$T_OUT" | tr '\n' ' ')" "Pampamarca 11.5 030401-0999 " \
	"show --json of the draft has the unchanged answers"
printf '\n' | t_run edit "$ORIG"
t_has "$T_OUT" "revision already started" \
	"edit of the original goes on with the revision"
t_has "$T_OUT" "Review of the answers" "at the review (a revision is whole)"
t_has "$T_OUT" "030401-0999" "with the changed answer"
t_has "$T_OUT" "Pampamarca" "and the unchanged ones"
t_has "$T_OUT" "Finalized" "and finalizes it"
REV2=$(grep -oE 'Finalized: uuid:[0-9a-f-]{36}' "$T_OUT" | cut -d' ' -f2)

# 3. Editing the original again corrects its newest revision: one line
# of revisions, never two replacing the same survey.
printf '2\nHuayllo\n\n' | t_run edit "$ORIG"
t_is "$T_RC" 0 "edit of a survey already replaced"
t_has "$T_OUT" "$ORIG was replaced by $REV2: editing that one" \
	"says which revision it edits"
t_has "$T_OUT" "030401-0999" "starting from that revision's answers"
REV3=$(grep -oE 'Finalized: uuid:[0-9a-f-]{36}' "$T_OUT" | cut -d' ' -f2)
t_is "$(t_sql "SELECT deprecated_id FROM submissions
    WHERE instance_id = '$REV3'")" "$REV2" \
	"the new revision replaces the newest one"
t_is "$(t_sql "SELECT count(*) FROM submissions
    WHERE deprecated_id = '$ORIG'")" 1 "the original is replaced once"

# 4. Nothing changed: no copy is finalized.
N=$(t_sql "SELECT count(*) FROM submissions")
printf '\n' | t_run edit "$REV3"
t_is "$T_RC" 0 "Enter at the review of an unchanged revision"
t_has "$T_OUT" "Nothing changed: $REV3 stays as it was" "says so"
t_is "$(t_sql "SELECT count(*) FROM submissions")" "$N" \
	"and stores nothing"
# A revision draft changed, then changed back: dropped at Enter.
printf '2\nX\n!\n' | t_run edit "$REV3"
t_is "$(t_sql "SELECT count(*) FROM submissions WHERE state = 'draft'")" \
	1 "a revision draft"
printf '2\nHuayllo\n\n' | t_run edit "$REV3"
t_has "$T_OUT" "Nothing changed: $REV3 stays as it was" \
	"changed back to what it was: nothing changed"
t_is "$(t_sql "SELECT count(*) FROM submissions")" "$N" \
	"and the revision draft is gone"
t_done
