#!/usr/bin/env python3
"""hub-batch.py: submissions and batch files for the hub's tests.

    hub-batch.py gen --device ID [-n N] [--seed S] [--version V]
        N valid anaemia submissions of device ID, one JSON line each, on
        stdout: children of 6 to 59 months of Aymaraes, visits in the
        last 300 days, altitudes and haemoglobin as measured there. The
        computed values are left out: the hub recomputes them.
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


def gen(args):
    rnd = random.Random(args.seed)
    today = datetime.date.today()
    for _ in range(args.n):
        visit = today - datetime.timedelta(days=rnd.randint(1, 300))
        birth = months_before(visit, rnd.randint(7, 58))
        district = rnd.choice(DISTRICTS)
        at = datetime.datetime(visit.year, visit.month, visit.day,
                               rnd.randint(8, 16), rnd.randint(0, 59),
                               rnd.randint(0, 59))
        data = {
            'district': district,
            'community': rnd.choice(COMMUNITIES),
            'household_id': '%s-%04d' % (district, rnd.randint(1, 9999)),
            'visit_date': visit.isoformat(),
            'sex': rnd.choice('mf'),
            'birth_date': birth.isoformat(),
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
    g.add_argument('--version', default='2026112501')
    k = sub.add_parser('pack')
    k.add_argument('--device', required=True)
    k.add_argument('--count', type=int, default=None)
    k.add_argument('--batch-id', default=None)
    args = p.parse_args()
    gen(args) if args.cmd == 'gen' else pack(args)


if __name__ == '__main__':
    main()
