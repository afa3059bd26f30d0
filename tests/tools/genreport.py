#!/usr/bin/env python3
"""genreport.py: a province of surveys with a known distribution, for
`hub report`'s end-to-end test (tests/e2e/t2200-report.sh).

    genreport.py gen --out DIR [--seed S]
    genreport.py check EXPECTED.json REPORT.json

gen plants, district by district, a few thousand submissions of the three
surveys (forms/surveys/*.csv) from seeded random answers, and writes:

  DIR/DEVICE.N.ndjson  submission lines for `hub import`, one batch file
                       each (hub-batch.py pack), to import in the order of
                       DIR/imports (lines "DEVICE FILE NOW": the clock the
                       hub imports it at, COLLECTOR_NOW)
  DIR/sync/K.json      answers for `collector fill FORM --answers`, then
                       `collector sync` (DIR/sync/list: "FORM FILE")
  DIR/household.ndjson submissions of tests/e2e/forms/household.csv, a
                       form without a district
  DIR/expected.json    the planted counts, as [path, value] pairs in the
                       shape of `hub report --format json`
  DIR/expected-period.json  the same for --from PERIOD_FROM --to PERIOD_TO

The computed values (age_months, hb_adjusted, anemia, water_ladder...)
are worked out here from the forms' own tables (the altitude bands, the
cut-offs, which sources are improved), as the forms compute them; the
hub does not check them (it recomputes to validate, and stores the line
as sent). The submissions that go through `collector fill` are computed
by the form engine itself: if this script and the forms ever disagree,
their counts will not add up, and the test says so.

Planted besides: computed values left out (a class, a child's growth
classes, the ladders, the count of improvements in use missing), children
with oedema and newborns outside the weight-for-length table, unanswered
chlorine (null), corrections (one that arrives before the survey it corrects), a conflict
(an id sent again with other content), refused surveys (one corrected
since), a form without a district, the same household surveyed twice (the
same answers; other answers, one of them from a community named
"<script>"), two devices silent for more than 14 days.

check compares: every planted path must have its value in the report
(percentages within 0.011); prints the differences, exit 1 if any.
"""

import argparse
import csv
import datetime
import json
import math
import os
import random
import sys
import uuid
from decimal import Decimal

import whogrowth

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
NOW = '2026-11-30T12:00:00-05:00'
OLD_NOW = '2026-10-31T12:00:00-05:00'   # the silent device's import
PERIOD_FROM = '2026-08-01'
PERIOD_TO = '2026-09-30'
# The bundled surveys' versions (forms/surveys/*.csv settings)
VERSIONS = {'anemia': '2026120701', 'water_sanitation': '2026112501',
            'household_improvements': '2026112501',
            'household': '1'}
SCRIPT = '<script>alert("x")</script>'

DISTRICTS = ['0304%02d' % i for i in range(1, 18)]
COMMUNITIES = ['Pampamarca', 'Antilla', 'Tiaparo', 'Capaya', 'Mutca',
               'Ccollpa', 'Huaquirca', 'Iscahuaca']
# Device: promoter; dev-06 is imported 30 days before the report, dev-07
# never sends anything, dev-09 syncs through `hub serve`.
DEVICES = {'dev-01': 'Ana Quispe', 'dev-02': 'Rosa Huamaní',
           'dev-03': '<b>Rosa</b> & Co', 'dev-04': 'Luz Ccori',
           'dev-05': 'Eva Palomino', 'dev-06': 'Juana Ayala'}
SYNC_DEVICE = 'dev-09'
COMPONENTS = ['improved_stove', 'safe_water', 'flush_toilet', 'shower',
              'solar_heater', 'washing_basin', 'micro_landfill',
              'vegetable_garden']
PROGRAMMES = ['allin_causay', 'other_public', 'ngo', 'own', 'unknown']
GROUPS = {'child_6_23': 'children_6_23', 'child_24_59': 'children_24_59',
          'pregnant_t1_t3': 'pregnant', 'pregnant_t2': 'pregnant',
          'child_60_143': 'others', 'child_144_179': 'others',
          'woman': 'others', 'man': 'others'}
CLASSES = ['none', 'mild', 'moderate', 'severe']
LADDERS = {'water_ladder': ['safely_managed', 'basic', 'limited',
                            'unimproved', 'surface_water'],
           'sanitation_ladder': ['basic', 'limited', 'unimproved',
                                 'open_defecation'],
           'hygiene_ladder': ['basic', 'limited', 'none']}
STATUSES = ['in_use', 'installed_not_used', 'none']
GROWTH = ['stunting', 'wasting', 'underweight', 'overweight']


def form_sheets(path):
    """The sheets of a pyxform single-file CSV: {sheet: [row dicts]}."""
    sheets, name, head = {}, None, None
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.reader(f):
            if row and row[0]:
                name, head = row[0], None
                sheets[name] = []
                continue
            cells = row[1:]
            if not any(cells):
                continue
            if head is None:
                head = cells
                continue
            sheets[name].append(dict(zip(head, cells)))
    return sheets


def choices(path, list_name):
    return [r for r in form_sheets(path)['choices']
            if r['list_name'] == list_name]


ANEMIA = os.path.join(TOP, 'forms', 'surveys', 'anemia.csv')
WATER = os.path.join(TOP, 'forms', 'surveys', 'water_sanitation.csv')
BANDS = [(int(r['min_m']), int(r['max_m']), r['subtract'])
         for r in choices(ANEMIA, 'hb_altitude_band')]
CUTOFFS = {r['name']: (r['anemia_below'], r['mild_from'],
                       r['moderate_from'])
           for r in choices(ANEMIA, 'hb_cutoff')}
WATER_IMPROVED = {r['name']: r['improved']
                  for r in choices(WATER, 'water_source')}
TOILET_IMPROVED = {r['name']: r['improved']
                   for r in choices(WATER, 'toilet_type')}


def num_text(v):
    """A number as the form engine writes a calculation: 10, 9.4."""
    return '%.15g' % v


def age_months(birth, visit):
    return ((visit.year - birth.year) * 12 + visit.month - birth.month -
            (1 if visit.day < birth.day else 0))


def growth_answers(rnd, a, calc, sex, birth, visit):
    """A child's length and weight, about a third stunted (the plan's
    32.6 %), and the values WHO's method gives (whogrowth.py, apart from
    the form). Planted besides: oedema (wasting severe, no weight-for-age
    nor overweight) and newborns under 45 cm (outside the
    weight-for-length table: no wasting nor overweight)."""
    days = (visit - birth).days
    _, m, s = whogrowth.LHFA['%s-%d' % (sex, days)]
    wl, wm, ws = (float(v) for v in whogrowth.WFA['%s-%d' % (sex, days)])
    oedema = 'yes' if rnd.random() < 0.04 else 'no'
    small = days < 30 and rnd.random() < 0.5
    for zl, zw in ((rnd.gauss(-1.3, 1.1), rnd.gauss(-0.6, 1.0)), (0, 0)):
        length = round(float(m) * (1 + max(-4.5, min(3, zl)) * float(s)), 1)
        if small:
            length = round(rnd.uniform(43.5, 44.9), 1)
        weight = round(wm * (1 + wl * ws * max(-4, min(3, zw))) **
                       (1 / wl), 1)
        pos = 'lying' if days < 731 else 'standing'
        g = whogrowth.growth(sex, birth, pos, Decimal(str(length)),
                             Decimal(str(weight)), oedema, visit)
        if 'error' not in g:
            break
        small = False
    a.update({'length_position': pos, 'length_cm': length, 'oedema': oedema,
              'weight_kg': weight})
    calc.update({k: v for k, v in g.items() if not k.startswith('!')})


def anemia_answers(rnd, district, visit, hh):
    """Answers of one person, and the values the form computes."""
    r = rnd.random()
    if r < 0.05:
        kind, months = 'baby', rnd.randrange(0, 6)
    elif r < 0.40:
        kind, months = 'child', rnd.randrange(6, 24)
    elif r < 0.70:
        kind, months = 'child', rnd.randrange(24, 60)
    elif r < 0.78:
        kind, months = 'child', rnd.randrange(60, 180)
    elif r < 0.90:
        kind, months = 'woman', rnd.randrange(180, 590)
    else:
        kind, months = 'man', rnd.randrange(180, 700)
    sex = 'f' if kind == 'woman' else 'm' if kind == 'man' else \
        rnd.choice('fm')
    # A birth date `months` months before the visit, on a day that
    # keeps the completed months as planned.
    y, m = divmod(visit.year * 12 + visit.month - 1 - months, 12)
    birth = datetime.date(y, m + 1, min(visit.day, 28))
    a = {'district': district, 'community': rnd.choice(COMMUNITIES),
         'household_id': hh,
         'visit_date': visit.isoformat(), 'sex': sex,
         'birth_date': birth.isoformat()}
    age = age_months(birth, visit)
    calc = {'age_months': str(age)}
    if age < 60:
        growth_answers(rnd, a, calc, sex, birth, visit)
    if age < 6:
        return a, calc
    pregnant = trimester = None
    if sex == 'f' and 144 <= age < 600:
        pregnant = 'yes' if kind == 'woman' and rnd.random() < 0.3 else 'no'
        a['pregnant'] = pregnant
        if pregnant == 'yes':
            trimester = rnd.choice('123')
            a['trimester'] = trimester
    alt = rnd.randrange(2200, 4600)
    a['altitude_m'] = alt
    a['altitude_source'] = rnd.choice(['gps', 'entered'])
    hb = round(rnd.uniform(7.5, 15.5), 1)
    a['hb_measured'] = hb
    sub = next(s for lo, hi, s in BANDS if lo <= alt <= hi)
    adjusted = math.floor((hb - float(sub)) * 1000000 + 0.5) / 1000000
    if age < 24:
        group = 'child_6_23'
    elif age < 60:
        group = 'child_24_59'
    elif age < 144:
        group = 'child_60_143'
    elif pregnant == 'yes':
        group = 'pregnant_t2' if trimester == '2' else 'pregnant_t1_t3'
    elif age < 180:
        group = 'child_144_179'
    else:
        group = 'woman' if sex == 'f' else 'man'
    below, mild, moderate = CUTOFFS[group]
    if adjusted >= float(below):
        cls = 'none'
    elif adjusted >= float(mild):
        cls = 'mild'
    elif adjusted >= float(moderate):
        cls = 'moderate'
    else:
        cls = 'severe'
    calc.update({'hb_adjustment': sub, 'hb_adjusted': num_text(adjusted),
                 'hb_group': group, 'hb_anemia_below': below,
                 'hb_mild_from': mild, 'hb_moderate_from': moderate,
                 'anemia': cls, 'hb_rule': 'NTS213-2024'})
    return a, calc


def water_answers(rnd, district, visit, hh):
    src = rnd.choice(list(WATER_IMPROVED))
    onp = 'yes' if src in ('piped_dwelling', 'piped_yard') else \
        rnd.choice(['yes', 'no'])
    a = {'district': district, 'community': rnd.choice(COMMUNITIES),
         'household_id': hh,
         'visit_date': visit.isoformat(), 'water_source': src,
         'water_on_premises': onp}
    minutes = None
    if onp == 'no':
        minutes = rnd.randrange(1, 90)
        a['water_minutes'] = minutes
    a['water_available'] = rnd.choice(['yes', 'yes', 'no'])
    a['water_treatment'] = rnd.choice(['boil', 'chlorine', 'none',
                                       'boil chlorine'])
    chlorine = None
    if rnd.random() < 0.4:
        chlorine = rnd.choice([0.1, 0.3, 0.5, 0.8, 1.2])
        a['chlorine_mg_l'] = chlorine
    toilet = rnd.choice(list(TOILET_IMPROVED))
    a['toilet_type'] = toilet
    if toilet != 'none':
        a['toilet_shared'] = rnd.choice(['no', 'no', 'yes'])
    a['handwashing_place'] = rnd.choice(['yes', 'yes', 'no'])
    if a['handwashing_place'] == 'yes':
        a['handwashing_water'] = rnd.choice(['yes', 'yes', 'no'])
        a['handwashing_soap'] = rnd.choice(['yes', 'no'])
    improved = WATER_IMPROVED[src]
    if src == 'surface_water':
        wl = 'surface_water'
    elif improved != 'yes':
        wl = 'unimproved'
    elif onp == 'yes' and a['water_available'] == 'yes' and \
            chlorine is not None and chlorine >= 0.5:
        wl = 'safely_managed'
    elif onp == 'yes' or minutes <= 30:
        wl = 'basic'
    else:
        wl = 'limited'
    if toilet == 'none':
        sl = 'open_defecation'
    elif TOILET_IMPROVED[toilet] != 'yes':
        sl = 'unimproved'
    elif a['toilet_shared'] == 'yes':
        sl = 'limited'
    else:
        sl = 'basic'
    if a['handwashing_place'] == 'yes':
        hl = 'basic' if a['handwashing_water'] == 'yes' and \
            a['handwashing_soap'] == 'yes' else 'limited'
    else:
        hl = 'none'
    calc = {'water_improved': improved, 'water_ladder': wl,
            'toilet_improved': TOILET_IMPROVED[toilet],
            'sanitation_ladder': sl, 'hygiene_ladder': hl}
    return a, calc


def improvements_answers(rnd, district, visit, hh):
    a = {'district': district, 'community': rnd.choice(COMMUNITIES),
         'household_id': hh,
         'visit_date': visit.isoformat()}
    installed = in_use = 0
    for c in COMPONENTS:
        st = rnd.choice(['none', 'none', 'none', 'installed_not_used',
                         'in_use', 'in_use'])
        a[c] = st
        if st != 'none':
            installed += 1
            in_use += st == 'in_use'
            a[c + '_programme'] = rnd.choice(PROGRAMMES)
    calc = {'improvements_installed': str(installed),
            'improvements_in_use': str(in_use)}
    return a, calc


# The data in the form's order (the collector's): answers and computed
# values interleaved does not matter to the hub, a stable order does to
# the "same answers" check (it sorts keys anyway).
def data_of(answers, calc, keep_calc=True):
    d = dict(answers)
    if 'chlorine_mg_l' not in d and 'water_source' in d:
        d['chlorine_mg_l'] = None
    if keep_calc:
        d.update(calc)
    return d


class Tally:
    """What the report must say, in its own shape."""

    def __init__(self):
        self.v = {}

    def add(self, path, n=1):
        self.v[path] = self.v.get(path, 0) + n

    def setv(self, path, value):
        self.v[path] = value


def unit_paths(district):
    return ['districts.%d' % DISTRICTS.index(district),
            'province'] if district in DISTRICTS else \
        ['no_district', 'province']


def count(t, sub, form, answers, calc, keep_calc):
    """Add one current submission to the tally t."""
    d = answers.get('district')
    t.add('quality.submissions')
    t.add('quality.forms.' + form)
    if d is None:
        t.add('quality.no_district')
        t.add('quality.missing/%s/district' % form)
    for u in unit_paths(d):
        t.add(u + '.submissions.total')
        if form == 'anemia':
            t.add(u + '.submissions.anaemia')
            t.add(u + '.anaemia.people')
            if 'length_cm' in answers:
                count_growth(t, u, calc, keep_calc)
            if 'hb_measured' not in answers:
                t.add(u + '.anaemia.not_measured')
                continue
            if not keep_calc:
                t.add(u + '.anaemia.missing')
                t.add(u + '.anaemia.groups.all.missing')
                t.add(u + '.anaemia.groups.unknown.missing')
                t.add(u + '.anaemia.rules.')
                continue
            cls, grp = calc['anemia'], GROUPS[calc['hb_group']]
            t.add(u + '.anaemia.measured')
            t.add(u + '.anaemia.rules.NTS213-2024')
            for g in ('all', grp):
                t.add('%s.anaemia.groups.%s.measured' % (u, g))
                t.add('%s.anaemia.groups.%s.classes.%s.n' % (u, g, cls))
                if cls != 'none':
                    t.add('%s.anaemia.groups.%s.any.n' % (u, g))
            if grp in ('children_6_23', 'children_24_59'):
                t.add(u + '.indicators.anaemia_children.of')
                if cls != 'none':
                    t.add(u + '.indicators.anaemia_children.n')
        elif form == 'water_sanitation':
            t.add(u + '.submissions.wash')
            t.add(u + '.wash.households')
            for lad, rungs in LADDERS.items():
                if not keep_calc:
                    t.add('%s.wash.%s.missing' % (u, lad))
                    continue
                t.add('%s.wash.%s.known' % (u, lad))
                t.add('%s.wash.%s.rungs.%s.n' % (u, lad, calc[lad]))
            if keep_calc:
                t.add(u + '.indicators.without_water.of')
                if calc['water_ladder'] in ('unimproved', 'surface_water'):
                    t.add(u + '.indicators.without_water.n')
                t.add(u + '.indicators.without_sanitation.of')
                if calc['sanitation_ladder'] in ('unimproved',
                                                 'open_defecation'):
                    t.add(u + '.indicators.without_sanitation.n')
        elif form == 'household_improvements':
            t.add(u + '.submissions.improvements')
            t.add(u + '.improvements.households')
            t.add(u + '.indicators.programme_coverage.of')
            if keep_calc:
                t.add(u + '.improvements.in_use.answered')
                t.add(u + '.improvements.in_use.components',
                      int(calc['improvements_in_use']))
            else:
                t.add(u + '.improvements.in_use.missing')
            who = set()
            for c in COMPONENTS:
                st = answers[c]
                k = '%s.improvements.components.%s' % (u, c)
                t.add(k + '.known')
                t.add('%s.statuses.%s.n' % (k, st))
                p = answers.get(c + '_programme')
                if p:
                    t.add('%s.programmes.%s' % (k, p))
                    who.add(p)
            for p in who:
                t.add('%s.improvements.reached.%s' % (u, p))
            if 'allin_causay' in who:
                t.add(u + '.indicators.programme_coverage.n')
        else:
            t.add(u + '.submissions.other')
    if form == 'anemia' and 'hb_measured' in answers and not keep_calc:
        t.add('quality.missing/anemia/anemia')
    if form == 'anemia' and 'length_cm' in answers and not keep_calc:
        for k in GROWTH:
            t.add('quality.missing/anemia/' + k)
    if form == 'water_sanitation':
        if answers.get('chlorine_mg_l') is None:
            t.add('quality.missing/water_sanitation/chlorine_mg_l')
        if not keep_calc:
            for lad in LADDERS:
                t.add('quality.missing/water_sanitation/' + lad)
    if form == 'household_improvements' and not keep_calc:
        t.add('quality.missing/household_improvements/improvements_in_use')
    t.add('quality.devices/%s/submissions' % sub['device_id'])


def count_growth(t, u, calc, keep_calc):
    """A child measured: its growth classes as the survey computed them
    (absent where they do not apply); all missing when the computed values
    were left out."""
    t.add(u + '.growth.children')
    if not keep_calc:
        t.add(u + '.growth.rules.')
        for k in GROWTH:
            t.add('%s.growth.%s.missing' % (u, k))
        return
    t.add(u + '.growth.rules.' + calc['growth_rule'])
    for k in GROWTH:
        v = calc.get(k)
        if v is None:
            t.add('%s.growth.%s.not_classified' % (u, k))
            continue
        t.add('%s.growth.%s.measured' % (u, k))
        t.add('%s.growth.%s.classes.%s.n' % (u, k, v))
        if v in ('moderate', 'severe', 'yes'):
            t.add('%s.growth.%s.any.n' % (u, k))
    stunted = calc['stunting'] != 'none'
    t.add(u + '.indicators.stunting_children.of')
    if stunted:
        t.add(u + '.indicators.stunting_children.n')
    if 'anemia' in calc:
        t.add(u + '.growth.anaemia_stunting.of')
        if stunted and calc['anemia'] != 'none':
            t.add(u + '.growth.anaemia_stunting.n')


def envelope(rnd, form, device, data, visit, dep=None, iid=None):
    at = datetime.datetime(visit.year, visit.month, visit.day,
                           rnd.randrange(8, 17), rnd.randrange(60),
                           rnd.randrange(60))
    return {
        'instance_id': iid or 'uuid:' + str(uuid.UUID(
            int=rnd.getrandbits(128), version=4)),
        'deprecated_id': dep, 'form_id': form,
        'form_version': VERSIONS[form],
        'device_id': device, 'promoter': DEVICES.get(device, 'Nora Chipana'),
        'started_at': at.isoformat() + '.000-05:00',
        'finalized_at': (at + datetime.timedelta(minutes=7)).isoformat() +
        '.000-05:00',
        'data': data}


def line(sub):
    return json.dumps(sub, separators=(',', ':'), ensure_ascii=False)


def gen(args):
    rnd = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, 'sync'), exist_ok=True)
    tally, period = Tally(), Tally()
    files = {}              # (device, k): [lines]
    makers = {'anemia': anemia_answers, 'water_sanitation': water_answers,
              'household_improvements': improvements_answers}
    first = datetime.date(2026, 6, 1)
    numbers = {}

    def hh(district):
        """The district's next household: none surveyed twice but
        those planted so."""
        numbers[district] = numbers.get(district, 0) + 1
        return '%s-%04d' % (district, numbers[district])

    def visit_for(device):
        last = datetime.date(2026, 10, 30) if device == 'dev-06' else \
            datetime.date(2026, 11, 28)
        return first + datetime.timedelta(
            days=rnd.randrange((last - first).days + 1))

    def current(sub, form, answers, calc, keep_calc=True):
        count(tally, sub, form, answers, calc, keep_calc)
        day = sub['data'].get('visit_date') or sub['finalized_at'][:10]
        if PERIOD_FROM <= day <= PERIOD_TO:
            count(period, sub, form, answers, calc, keep_calc)

    def put(device, k, sub):
        files.setdefault((device, k), []).append(line(sub))

    sync_list = []
    for d in DISTRICTS:
        # Each district its own mix: a few more surveys in some.
        sizes = {'anemia': rnd.randrange(60, 120),
                 'water_sanitation': rnd.randrange(30, 60),
                 'household_improvements': rnd.randrange(30, 60)}
        for form, n in sizes.items():
            for _ in range(n):
                device = rnd.choice(list(DEVICES))
                visit = visit_for(device)
                answers, calc = makers[form](rnd, d, visit, hh(d))
                if rnd.random() < 0.02 and device != 'dev-06':
                    # through `collector fill` and `collector sync`
                    p = os.path.join(args.out, 'sync',
                                     '%d.json' % len(sync_list))
                    with open(p, 'w', encoding='utf-8') as f:
                        json.dump(answers, f, ensure_ascii=False)
                    sync_list.append((form, p))
                    sub = {'device_id': SYNC_DEVICE,
                           'data': data_of(answers, calc),
                           'finalized_at': NOW}
                    current(sub, form, answers, calc)
                    continue
                keep = rnd.random() >= 0.04
                sub = envelope(rnd, form, device,
                               data_of(answers, calc, keep), visit)
                put(device, 0, sub)
                current(sub, form, answers, calc, keep)
    # Corrections: a survey and its correction, the correction counting;
    # for dev-02, the correction arrives first (a stick carried late).
    for i, device in enumerate(['dev-01', 'dev-02', 'dev-04']):
        d = DISTRICTS[i]
        visit = datetime.date(2026, 9, 10)
        answers, calc = anemia_answers(rnd, d, visit, hh(d))
        while 'hb_measured' not in answers:
            answers, calc = anemia_answers(rnd, d, visit, hh(d))
        old = envelope(rnd, 'anemia', device, data_of(answers, calc), visit)
        # The same person, the haemoglobin typed again.
        answers2 = dict(answers)
        answers2['hb_measured'] = round(max(4.0, answers['hb_measured'] -
                                            1.5), 1)
        calc2 = recompute(answers2, calc)
        new = envelope(rnd, 'anemia', device, data_of(answers2, calc2),
                       visit, dep=old['instance_id'])
        if device == 'dev-02':
            put(device, 1, new)
            put(device, 2, old)
        else:
            put(device, 0, old)
            put(device, 1, new)
        current(new, 'anemia', answers2, calc2)
    # A conflict: an id stored already, sent again with other content.
    first_line = json.loads(files[('dev-01', 0)][0])
    clash = json.loads(json.dumps(first_line))
    clash['data']['community'] = 'Otra'
    put('dev-01', 3, clash)
    tally.setv('quality.conflicts', 1)
    tally.setv('quality.devices/dev-01/conflicts', 1)
    # Refused: an haemoglobin of 115 (a missed decimal point), twice; one
    # corrected since (the correction counts), one still waiting.
    for k, corrected in ((0, True), (1, False)):
        visit = datetime.date(2026, 9, 20)
        answers, calc = anemia_answers(rnd, DISTRICTS[5], visit,
                                       hh(DISTRICTS[5]))
        while 'hb_measured' not in answers:
            answers, calc = anemia_answers(rnd, DISTRICTS[5], visit,
                                           hh(DISTRICTS[5]))
        bad = dict(answers)
        bad['hb_measured'] = 115
        sub = envelope(rnd, 'anemia', 'dev-05', data_of(bad, calc), visit)
        put('dev-05', 0, sub)
        if corrected:
            fix = envelope(rnd, 'anemia', 'dev-05', data_of(answers, calc),
                           visit, dep=sub['instance_id'])
            put('dev-05', 1, fix)
            current(fix, 'anemia', answers, calc)
    tally.setv('quality.rejected', 2)
    tally.setv('quality.rejected_waiting', 1)
    tally.setv('quality.devices/dev-05/rejected_waiting', 1)
    # The same household twice: the same answers (a double entry), and
    # other answers, one from a community named <script>.
    visit = datetime.date(2026, 10, 5)
    answers, calc = water_answers(rnd, DISTRICTS[3], visit, hh(DISTRICTS[3]))
    for _ in range(2):
        sub = envelope(rnd, 'water_sanitation', 'dev-03',
                       data_of(answers, calc), visit)
        put('dev-03', 0, sub)
        current(sub, 'water_sanitation', answers, calc)
    answers, calc = water_answers(rnd, DISTRICTS[4], visit, hh(DISTRICTS[4]))
    sub = envelope(rnd, 'water_sanitation', 'dev-03', data_of(answers, calc),
                   visit)
    put('dev-03', 0, sub)
    current(sub, 'water_sanitation', answers, calc)
    other, ocalc = water_answers(rnd, DISTRICTS[4], visit, '')
    other['household_id'] = answers['household_id']
    other['community'] = SCRIPT
    sub = envelope(rnd, 'water_sanitation', 'dev-03', data_of(other, ocalc),
                   visit)
    put('dev-03', 0, sub)
    current(sub, 'water_sanitation', other, ocalc)
    tally.setv('quality.duplicates.subjects', 2)
    tally.setv('quality.duplicates.same_answers', 1)
    tally.setv('quality.duplicates.different_answers', 1)
    tally.setv('quality.duplicates.listed/household', answers['household_id'])
    # A form without a district.
    with open(os.path.join(args.out, 'household.ndjson'), 'w',
              encoding='utf-8') as f:
        for i in range(3):
            visit = datetime.date(2026, 9, 1)
            a = {'head': 'Jefe %d' % i, 'age': 30 + i, 'has_kids': 'no',
                 'home': {'services': 'water', 'area': 40}}
            sub = envelope(rnd, 'household', 'dev-04', a, visit)
            f.write(line(sub) + '\n')
            current(sub, 'household', a, {})
    # The files, and the order to import them in.
    with open(os.path.join(args.out, 'imports'), 'w') as f:
        for (device, k) in sorted(files):
            name = '%s.%d.ndjson' % (device, k)
            with open(os.path.join(args.out, name), 'w',
                      encoding='utf-8') as g:
                g.write(''.join(l + '\n' for l in files[(device, k)]))
            f.write('%s %s %s\n' % (device, name,
                                    OLD_NOW if device == 'dev-06' else NOW))
    with open(os.path.join(args.out, 'sync', 'list'), 'w') as f:
        for form, p in sync_list:
            f.write('%s %s\n' % (form, p))
    tally.setv('quality.silent_devices', 2)
    for name, t in (('expected.json', tally), ('expected-period.json',
                                                  period)):
        with open(os.path.join(args.out, name), 'w', encoding='utf-8') as f:
            json.dump(finish(t), f, ensure_ascii=False, indent=0)
    print('%d submissions planted, %d through collector sync' %
          (tally.v['quality.submissions'], len(sync_list)))


def recompute(answers, calc):
    """The computed values of a person whose haemoglobin changed."""
    c = dict(calc)
    hb = answers['hb_measured']
    adjusted = math.floor((hb - float(calc['hb_adjustment'])) * 1000000 +
                          0.5) / 1000000
    below, mild, moderate = CUTOFFS[calc['hb_group']]
    c['hb_adjusted'] = num_text(adjusted)
    c['anemia'] = 'none' if adjusted >= float(below) else \
        'mild' if adjusted >= float(mild) else \
        'moderate' if adjusted >= float(moderate) else 'severe'
    return c


def wilson(x, n, z=1.959963984540054):
    p = x / n
    z2n = z * z / n
    c = (p + z2n / 2) / (1 + z2n)
    h = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    lo, hi = max(0.0, c - h), min(1.0, c + h)
    if x == 0:
        lo = 0.0
    if x == n:
        hi = 1.0
    return lo, hi


def pct2(v):
    return math.floor(v * 10000 + 0.5) / 100


def finish(t):
    """[path, value] pairs; quality's lists as their own checks."""
    out = []
    for path, v in sorted(t.v.items()):
        out.append([path, v])
    # Percentages and intervals of the baselines, recomputed here.
    units = ['districts.%d' % i for i in range(len(DISTRICTS))] + \
        ['no_district', 'province']
    for u in units:
        props = [('%s.indicators.%s' % (u, ind), '.n', '.of')
                 for ind in ('anaemia_children', 'stunting_children',
                             'without_water', 'without_sanitation',
                             'programme_coverage')]
        props += [('%s.growth.%s' % (u, k), '.any.n', '.measured')
                  for k in GROWTH]
        props.append(('%s.growth.anaemia_stunting' % u, '.n', '.of'))
        for k, nk, ofk in props:
            n, of = t.v.get(k + nk, 0), t.v.get(k + ofk, 0)
            at = k + nk[:-2]
            if of > 0:
                lo, hi = wilson(n, of)
                out.append([at + '.pct', pct2(n / of)])
                out.append([at + '.ci95.0', pct2(lo)])
                out.append([at + '.ci95.1', pct2(hi)])
            elif nk == '.any.n':
                out.append([at + '.pct', None])
    return out


def get(report, path):
    """A value of the report at a planted path."""
    if path.startswith('quality.missing/'):
        _, form, q = path.split('/')
        for m in report['quality']['missing']:
            if m['form_id'] == form and m['question'] == q:
                return m['submissions']
        return 0
    if path.startswith('quality.devices/'):
        _, dev, key = path.split('/')
        for d in report['quality']['devices']:
            if d['device_id'] == dev:
                return d[key]
        return None
    if path == 'quality.duplicates.listed/household':
        return [d['subject'] for d in
                report['quality']['duplicates']['listed']
                if d['different_answers']]
    v = report
    for k in path.split('.'):
        if isinstance(v, list):
            v = v[int(k)] if k.isdigit() and int(k) < len(v) else None
        elif isinstance(v, dict):
            v = v.get(k)
        else:
            return None
    return v


def check(args):
    with open(args.expected, encoding='utf-8') as f:
        expected = json.load(f)
    with open(args.report, encoding='utf-8') as f:
        report = json.load(f)
    bad = 0
    for path, want in expected:
        got = get(report, path)
        if path == 'quality.duplicates.listed/household':
            ok = isinstance(got, list) and want in got
        elif isinstance(want, float):
            ok = isinstance(got, (int, float)) and abs(got - want) <= 0.011
        else:
            ok = got == want
        if not ok:
            bad += 1
            print('%s: report %r, planted %r' % (path, got, want))
    print('%d checked, %d differ' % (len(expected), bad))
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    g = sub.add_parser('gen')
    g.add_argument('--out', required=True)
    g.add_argument('--seed', type=int, default=8)
    c = sub.add_parser('check')
    c.add_argument('expected')
    c.add_argument('report')
    args = p.parse_args()
    sys.exit(gen(args) if args.cmd == 'gen' else check(args))


if __name__ == '__main__':
    main()
