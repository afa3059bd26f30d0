#!/usr/bin/env python3
"""hub-batch.py: submissions and batch files for the hub's tests.

    hub-batch.py gen --device ID [-n N] [--seed S] [--version V]
                     [--form F] [--odd]
        N valid submissions of device ID, one JSON line each, on stdout.
        --form anemia (the default): children of 6 to 59 months of
        Aymaraes, visits in the last 300 days, altitudes and haemoglobin
        as measured there. water_sanitation and household_improvements:
        households of the province, every question the form asks given
        as its rules say (the non-required chlorine sometimes missing).
        household: the test form tests/e2e/forms/household.csv (version
        1) or household-v2.csv (--version 2), with children in its
        repeat and missing answers. The computed values are left out
        (the hub recomputes them), but for household's age_months.
        --odd puts awkward text in the free-text answers: a <script>
        tag, commas, quotes, blanks around, a formula, emoji.
    hub-batch.py pack --device ID [--count N] [--batch-id UUID] < LINES
        a batch file (gzip, header line first) of the lines on stdin, on
        stdout; --count makes the header say another count.

The lines pass through untouched, so a test can put any line it wants in
a batch (invalid JSON, another device, a draft).
"""

import argparse
import datetime
import gzip
import json
import random
import sys
import uuid

DISTRICTS = ['030401', '030402', '030403', '030404', '030405', '030406',
             '030407', '030408', '030409', '030410', '030411', '030412',
             '030413', '030414', '030415', '030416', '030417']
COMMUNITIES = ['Pampamarca', 'Antilla', 'Tiaparo', 'Capaya', 'Mutca',
               'Ccollpa', 'Huaquirca', 'Iscahuaca']


def months_before(d, m):
    y, mo = divmod(d.year * 12 + d.month - 1 - m, 12)
    return datetime.date(y, mo + 1, min(d.day, 28))


# The form engine refuses control characters in an answer (a newline
# too): a test that wants one plants it elsewhere (a calculation, the
# promoter's name).
ODD = ['<script>alert("x")</script>', 'Pampa, "Alta"', ' leading blank',
       'Quote "in" the middle, and a comma', 'trailing ; semicolon; ',
       "l'Ñuñu & <b>bold</b>", '=1+2', 'Ayacucho\u00a0Perú 😀']


def text(rnd, args, plain):
    """A free-text answer: plain, or with --odd often an awkward one."""
    if args.odd and rnd.random() < 0.3:
        return rnd.choice(ODD)
    return plain


def envelope(rnd, args, form, version, data, visit):
    at = datetime.datetime(visit.year, visit.month, visit.day,
                           rnd.randint(8, 16), rnd.randint(0, 59),
                           rnd.randint(0, 59))
    return {
        'instance_id': 'uuid:' + str(uuid.UUID(int=rnd.getrandbits(128),
                                               version=4)),
        'deprecated_id': None,
        'form_id': form,
        'form_version': version,
        'device_id': args.device,
        'promoter': 'Ana Quispe',
        'started_at': at.isoformat() + '.000-05:00',
        'finalized_at': (at + datetime.timedelta(minutes=6))
        .isoformat() + '.000-05:00',
        'data': data,
    }


def household_place(rnd, args):
    """district, community, household_id and visit_date of a visit."""
    visit = datetime.date.today() - datetime.timedelta(
        days=rnd.randint(1, 300))
    district = rnd.choice(DISTRICTS)
    return visit, {
        'district': district,
        'community': text(rnd, args, rnd.choice(COMMUNITIES)),
        'household_id': '%s-%04d' % (district, rnd.randint(1, 9999)),
        'visit_date': visit.isoformat(),
    }


WATER_SOURCES = ['piped_dwelling', 'piped_yard', 'piped_neighbour',
                 'public_tap', 'borehole', 'protected_well',
                 'unprotected_well', 'protected_spring',
                 'unprotected_spring', 'rainwater', 'tanker_truck',
                 'cart_small_tank', 'bottled', 'sachet', 'surface_water',
                 'other']
TREATMENTS = ['boil', 'chlorine', 'filter', 'solar', 'cloth', 'settle',
              'other']
TOILETS = ['flush_sewer', 'flush_septic', 'flush_pit', 'flush_elsewhere',
           'flush_unknown', 'vip', 'pit_slab', 'pit_no_slab', 'composting',
           'bucket', 'hanging', 'none', 'other']


def gen_water(rnd, args):
    visit, d = household_place(rnd, args)
    d['water_source'] = rnd.choice(WATER_SOURCES)
    if d['water_source'] in ('piped_dwelling', 'piped_yard'):
        d['water_on_premises'] = 'yes'
    else:
        d['water_on_premises'] = rnd.choice(['yes', 'no'])
    if d['water_on_premises'] == 'no':
        d['water_minutes'] = rnd.randint(1, 90)
    d['water_available'] = rnd.choice(['yes', 'no'])
    if rnd.random() < 0.2:
        d['water_treatment'] = 'none'
    else:
        d['water_treatment'] = ' '.join(rnd.sample(TREATMENTS,
                                                   rnd.randint(1, 3)))
    # not required: sometimes missing (null), sometimes not given at all
    r = rnd.random()
    if r < 0.6:
        d['chlorine_mg_l'] = round(rnd.uniform(0, 2), 2)
    elif r < 0.8:
        d['chlorine_mg_l'] = None
    d['toilet_type'] = rnd.choice(TOILETS)
    if d['toilet_type'] != 'none':
        d['toilet_shared'] = rnd.choice(['yes', 'no'])
    d['handwashing_place'] = rnd.choice(['yes', 'no'])
    if d['handwashing_place'] == 'yes':
        d['handwashing_water'] = rnd.choice(['yes', 'no'])
        d['handwashing_soap'] = rnd.choice(['yes', 'no'])
    return visit, d


IMPROVEMENTS = ['improved_stove', 'safe_water', 'flush_toilet', 'shower',
                'solar_heater', 'washing_basin', 'micro_landfill',
                'vegetable_garden']


def gen_improvements(rnd, args):
    visit, d = household_place(rnd, args)
    for k in IMPROVEMENTS:
        d[k] = rnd.choice(['none', 'installed_not_used', 'in_use'])
        if d[k] != 'none':
            d[k + '_programme'] = rnd.choice(['allin_causay',
                                              'other_public', 'ngo', 'own',
                                              'unknown'])
    return visit, d


NAMES = ['Rosa Huamaní', 'Juan Quispe', 'Luz Ccori', 'Edwin Chipana',
         'Nilda Ayvar', 'Félix Pumacayo']


def gen_household(rnd, args):
    visit = datetime.date.today() - datetime.timedelta(
        days=rnd.randint(1, 300))
    age = rnd.randint(18, 80)
    d = {'head': text(rnd, args, rnd.choice(NAMES)), 'age': age,
         'age_months': str(age * 12),
         'has_kids': rnd.choice(['yes', 'no'])}
    if d['has_kids'] == 'yes':
        d['child'] = []
        for _ in range(rnd.randint(1, 4)):
            c = {'child_name': text(rnd, args, rnd.choice(NAMES))}
            c['child_age'] = rnd.choice([rnd.randint(0, 17), None])
            d['child'].append(c)
    home = {}
    choices = ['water', 'power', 'sewer']
    if args.version == '2':
        choices.append('internet')
    if rnd.random() < 0.8:
        home['services'] = ' '.join(rnd.sample(choices,
                                               rnd.randint(1, len(choices))))
    else:
        home['services'] = None
    if args.version == '2':
        if rnd.random() < 0.7:
            home['phone'] = text(rnd, args, '9%08d' % rnd.randint(0, 99999999))
    elif rnd.random() < 0.7:
        home['area'] = round(rnd.uniform(20, 200), 1)
    d['home'] = home
    return visit, d


def gen(args):
    rnd = random.Random(args.seed)
    if args.version is None:
        args.version = {'household': '1', 'anemia': '2026120701'}.get(
            args.form, '2026112501')
    if args.form != 'anemia':
        make = {'water_sanitation': gen_water,
                'household_improvements': gen_improvements,
                'household': gen_household}[args.form]
        for _ in range(args.n):
            visit, data = make(rnd, args)
            print(json.dumps(envelope(rnd, args, args.form, args.version,
                                      data, visit),
                             separators=(',', ':'), ensure_ascii=False))
        return
    today = datetime.date.today()
    for _ in range(args.n):
        visit = today - datetime.timedelta(days=rnd.randint(1, 300))
        months = rnd.randint(7, 58)
        birth = months_before(visit, months)
        district = rnd.choice(DISTRICTS)
        at = datetime.datetime(visit.year, visit.month, visit.day,
                               rnd.randint(8, 16), rnd.randint(0, 59),
                               rnd.randint(0, 59))
        data = {
            'district': district,
            'community': text(rnd, args, rnd.choice(COMMUNITIES)),
            'household_id': '%s-%04d' % (district, rnd.randint(1, 9999)),
            'visit_date': visit.isoformat(),
            'sex': rnd.choice('mf'),
            'birth_date': birth.isoformat(),
            # measured as WHO asks (no random draw: the other values
            # stay those of earlier seeds)
            'length_position': 'lying' if months < 24 else 'standing',
            'length_cm': round(55 + 0.95 * months, 1),
            'oedema': 'no',
            'weight_kg': round(5 + 0.25 * months, 1),
            'altitude_m': rnd.randint(2200, 4600),
            'altitude_source': rnd.choice(['gps', 'entered']),
            'hb_measured': round(rnd.uniform(7.0, 14.0), 1),
        }
        sub = {
            'instance_id': 'uuid:' + str(uuid.UUID(int=rnd.getrandbits(128),
                                                   version=4)),
            'deprecated_id': None,
            'form_id': 'anemia',
            'form_version': args.version,
            'device_id': args.device,
            'promoter': 'Ana Quispe',
            'started_at': at.isoformat() + '.000-05:00',
            'finalized_at': (at + datetime.timedelta(minutes=6))
            .isoformat() + '.000-05:00',
            'data': data,
        }
        print(json.dumps(sub, separators=(',', ':'), ensure_ascii=False))


def pack(args):
    lines = [l.rstrip('\n') for l in sys.stdin.buffer.read()
             .decode('utf-8', 'surrogateescape').split('\n')]
    if lines and lines[-1] == '':
        lines.pop()
    head = {
        'format': 'collector-batch', 'version': 1,
        'batch_id': args.batch_id or str(uuid.uuid4()),
        'device_id': args.device,
        'created_at': datetime.datetime.now().astimezone().isoformat(),
        'count': len(lines) if args.count is None else args.count,
    }
    text = json.dumps(head, separators=(',', ':')) + '\n'
    text += ''.join(l + '\n' for l in lines)
    sys.stdout.buffer.write(gzip.compress(text.encode('utf-8',
                                                      'surrogateescape')))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    g = sub.add_parser('gen')
    g.add_argument('--device', required=True)
    g.add_argument('-n', type=int, default=1)
    g.add_argument('--seed', type=int, default=None)
    g.add_argument('--version', default=None)
    g.add_argument('--form', default='anemia',
                   choices=['anemia', 'water_sanitation',
                            'household_improvements', 'household'])
    g.add_argument('--odd', action='store_true')
    k = sub.add_parser('pack')
    k.add_argument('--device', required=True)
    k.add_argument('--count', type=int, default=None)
    k.add_argument('--batch-id', default=None)
    args = p.parse_args()
    gen(args) if args.cmd == 'gen' else pack(args)


if __name__ == '__main__':
    main()
