#!/usr/bin/env python3
"""gensubs.py: fill a collector store with N realistic anaemia surveys, fast.

    gensubs.py --collector BIN --home HOME --count N [--distinct D]
               [--snapshot DIR] [--seed S] [--jobs J] [--shard K]
               [--from DATE] [--days D]

HOME must be an initialised store (its device, promoter, hub and token are
what the new submissions carry), normally with no submissions yet (those
it has are kept, and copied into every shard, which slows them). Every
submission is filled by the real `collector fill anemia --answers FILE`
with its own answers and its own clock (COLLECTOR_NOW: a visit on a
working day between 08:00 and 17:00, Peru time), so each is distinct and
valid as the form engine says.

Why it does not simply run `fill` N times in HOME: every command opens
the store with a quick_check, whose cost grows with the store (at 800
submissions a fill takes twice as long as in an empty one), and fills into
one store do not run in parallel. So the fills go into shards, copies of
HOME taken before any is filled, K submissions each, J at a time; then the
shards' finalized submissions (rows, answers, frozen JSON and XML, as
fill wrote them) are copied into HOME in one transaction. The copy names
the columns both stores have, so a column added later comes along.

The answers: district and community from Aymaraes; household codes of the
district; mostly children of 6 to 59 months (the anaemia programme), some
older children, women of 15 to 49 (pregnant or not) and babies under 6
months (no haemoglobin); children under 5 measured and weighed; altitudes of the province (2,200 to 4,600 m),
haemoglobin around 11 g/dL. Reproducible with --seed (the instance ids
are random, as on a device).

--distinct D (default N) fills only D and makes the other N - D as
variants of them, for the benches that need thousands in seconds: each
variant is a copy of a filled one (variant k of filled k mod D, so that
copies of one survey are D apart, beyond gzip's window and any batch)
with its own instance id, district, community, household code, altitude
source and time of day, changed consistently in its answers, JSON and
XML; the measurements and what the form computed from them are the
filled one's. A token that is not found exactly once is an error (the
store's format changed: fix this script). --snapshot DIR keeps a copy of
the store as it is before the variants (DIR/collector.db): the D filled
ones alone, for a figure that variants would flatter.

Prints "filled N in S s" (or "filled D, N - D variants, in S s"). Exit 0,
or 1 with the failing fill's stderr.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

DISTRICTS = [
    ('030401', ['Chalhuanca', 'Pampamarca', 'Antilla', 'Tiaparo']),
    ('030402', ['Capaya', 'Pampahuasi']),
    ('030403', ['Caraybamba', 'Iscahuaca']),
    ('030404', ['Chapimarca', 'Ancobamba']),
    ('030405', ['Colcabamba', 'Lahuaylla']),
    ('030406', ['Cotaruse', 'Pisquicocha', 'Iscahuaca', 'Totora']),
    ('030407', ['Ihuayllo', 'Huancaray']),
    ('030408', ['Mutca', 'Pampallacta']),
    ('030409', ['Lucre', 'Quinua']),
    ('030410', ['Pocohuanca', 'Llinqui']),
    ('030411', ['San Juan de Chacna', 'Ccollpa']),
    ('030412', ['Sanayca', 'Ccasccabamba']),
    ('030413', ['Soraya', 'Promesa']),
    ('030414', ['Tapairihua', 'Huaquirca']),
    ('030415', ['Tintay', 'Calcauso']),
    ('030416', ['Toraya', 'Huayllay']),
    ('030417', ['Yanaca', 'Huancapampa']),
]


def months_before(day, months, rnd):
    """A birth date about `months` months before day."""
    return day - datetime.timedelta(days=int(months * 30.44) +
                                    rnd.randrange(0, 28))


def age_months(birth, visit):
    """Completed months, as the form's age_months computes them."""
    return ((visit.year - birth.year) * 12 + visit.month - birth.month -
            (1 if visit.day < birth.day else 0))


def answers(rnd, visit):
    code, communities = rnd.choice(DISTRICTS)
    a = {
        'district': code,
        'community': rnd.choice(communities),
        'household_id': '%s-%04d' % (code, rnd.randrange(1, 1800)),
        'visit_date': visit.isoformat(),
    }
    r = rnd.random()
    if r < 0.03:
        woman, months = False, rnd.randrange(0, 5)
    elif r < 0.73:
        woman, months = False, rnd.randrange(6, 59)
    elif r < 0.83:
        woman, months = False, rnd.randrange(60, 143)
    elif r < 0.86:
        woman, months = False, rnd.randrange(144, 179)
    else:
        woman, months = True, rnd.randrange(180, 590)
    sex = 'f' if woman else rnd.choice('mf')
    birth = months_before(visit, months, rnd)
    age = age_months(birth, visit)
    a['sex'] = sex
    a['birth_date'] = birth.isoformat()
    if age < 60:
        # measured and weighed as WHO asks (no random draw: the other
        # values stay those of earlier seeds)
        a['length_position'] = 'lying' if age < 24 else 'standing'
        a['length_cm'] = round(55 + 0.95 * age, 1)
        a['oedema'] = 'no'
        a['weight_kg'] = round(5 + 0.25 * age, 1)
    if age < 6:
        return a
    if sex == 'f' and 144 <= age < 600:
        pregnant = woman and rnd.random() < 0.2
        a['pregnant'] = 'yes' if pregnant else 'no'
        if pregnant:
            a['trimester'] = rnd.choice('123')
    a['altitude_m'] = rnd.randrange(2200, 4600)
    a['altitude_source'] = 'gps' if rnd.random() < 0.8 else 'entered'
    hb = min(16.5, max(6.0, rnd.gauss(12.0 if woman else 11.2, 1.4)))
    a['hb_measured'] = round(hb, 1)
    return a


def visit_clock(rnd, first, days):
    """A working day and an hour of the visit, as RFC 3339 in Peru."""
    while True:
        day = first + datetime.timedelta(days=rnd.randrange(days))
        if day.weekday() < 5:
            break
    t = datetime.datetime.combine(day, datetime.time(
        rnd.randrange(8, 17), rnd.randrange(60), rnd.randrange(60)))
    return day, t.strftime('%Y-%m-%dT%H:%M:%S-05:00')


def fill_shard(collector, home, jobs):
    """Fill one shard: jobs is [(clock, answers file)]."""
    for clock, path in jobs:
        env = dict(os.environ, COLLECTOR_NOW=clock)
        p = subprocess.run([collector, '--home', home, 'fill', 'anemia',
                            '--answers', path], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            with open(path) as f:
                raise RuntimeError('fill %s (exit %d): %s\n%s' % (
                    path, p.returncode, p.stderr.strip(), f.read()))


def columns(con, schema, table):
    return [r[1] for r in con.execute('PRAGMA %s.table_info(%s)' %
                                      (schema, table))]


def merge(home, shard):
    """Copy the shard's finalized submissions into home, in one go."""
    con = sqlite3.connect(os.path.join(home, 'collector.db'),
                          isolation_level=None, timeout=30)
    try:
        con.execute('ATTACH DATABASE ? AS s',
                    (os.path.join(shard, 'collector.db'),))
        both = [c for c in columns(con, 'main', 'submissions')
                if c in columns(con, 's', 'submissions')
                and c not in ('id', 'form', 'state')]
        cols = ', '.join(both)
        sel = ', '.join('ss.' + c for c in both)
        con.execute('BEGIN IMMEDIATE')
        # Inserted as drafts, their answers added, then finalized: the
        # store's triggers allow exactly that path.
        con.execute(
            'INSERT INTO main.submissions (%s, form, state) '
            'SELECT %s, (SELECT m.id FROM main.forms m, s.forms f '
            '  WHERE f.id = ss.form AND m.form_id = f.form_id '
            '  AND m.version = f.version), \'draft\' '
            'FROM s.submissions ss WHERE ss.state = \'finalized\' '
            'AND ss.instance_id NOT IN '
            '(SELECT instance_id FROM main.submissions)' % (cols, sel))
        con.execute(
            'INSERT INTO main.answers (submission, path, value, seq) '
            'SELECT ms.id, a.path, a.value, a.seq FROM s.answers a '
            'JOIN s.submissions ss ON a.submission = ss.id '
            'JOIN main.submissions ms ON ms.instance_id = ss.instance_id '
            'WHERE ss.state = \'finalized\' AND ms.state = \'draft\'')
        con.execute(
            'UPDATE main.submissions SET state = \'finalized\' '
            'WHERE state = \'draft\' AND instance_id IN '
            '(SELECT instance_id FROM s.submissions '
            ' WHERE state = \'finalized\')')
        con.execute('COMMIT')
    finally:
        con.close()


def replace_once(text, old, new, what):
    if text.count(old) != 1:
        raise RuntimeError('variant: %r found %d times in %s' %
                           (old, text.count(old), what))
    return text.replace(old, new)


def shift_time(stamp, minutes):
    """'2026-11-25T15:00:00.000+00:00' plus minutes, same format."""
    t = datetime.datetime.strptime(stamp[:19], '%Y-%m-%dT%H:%M:%S')
    t += datetime.timedelta(minutes=minutes)
    return t.strftime('%Y-%m-%dT%H:%M:%S') + stamp[19:]


def add_variants(home, since, n, rnd):
    """n variants of the finalized submissions with row id > since."""
    con = sqlite3.connect(os.path.join(home, 'collector.db'),
                          isolation_level=None, timeout=30)
    try:
        cols = [c for c in columns(con, 'main', 'submissions')
                if c not in ('id', 'state')]
        rows = con.execute('SELECT id, %s FROM submissions WHERE id > ? '
                           'AND state = \'finalized\' ORDER BY id' %
                           ', '.join(cols), (since,)).fetchall()
        if not rows:
            raise RuntimeError('variant: no filled submission to vary')
        con.execute('BEGIN IMMEDIATE')
        for k in range(n):
            row = rows[k % len(rows)]
            v = dict(zip(cols, row[1:]))
            ans = con.execute('SELECT path, value, seq FROM answers '
                              'WHERE submission = ?', (row[0],)).fetchall()
            old = {p: val for p, val, _ in ans}
            code, communities = rnd.choice(DISTRICTS)
            new = {
                'district': code,
                'community': rnd.choice(communities),
                'household_id': '%s-%04d' % (code, rnd.randrange(1, 1800)),
            }
            if 'altitude_source' in old:
                new['altitude_source'] = ('gps' if rnd.random() < 0.8
                                          else 'entered')
            iid = 'uuid:' + str(uuid.uuid4())
            minutes = rnd.randrange(1, 240)
            times = {key: shift_time(v[key], minutes)
                     for key in ('started_at', 'finalized_at')}
            # The submission's JSON: the whole envelope (a json column)
            # or its data object alone (a data column), as the store
            # keeps it.
            for col in ('json', 'data'):
                if v.get(col) is None:
                    continue
                j = v[col]
                if '"instance_id":' in j:
                    j = replace_once(j, '"instance_id":"%s"' %
                                     v['instance_id'],
                                     '"instance_id":"%s"' % iid, col)
                for key, val in times.items():
                    if '"%s":' % key in j:
                        j = replace_once(j, '"%s":"%s"' % (key, v[key]),
                                         '"%s":"%s"' % (key, val), col)
                for key, val in new.items():
                    j = replace_once(j, '"%s":"%s"' % (key, old[key]),
                                     '"%s":"%s"' % (key, val), col)
                v[col] = j
            x = replace_once(v['xml'], '<instanceID>%s</instanceID>' %
                             v['instance_id'],
                             '<instanceID>%s</instanceID>' % iid, 'xml')
            for key, val in new.items():
                if key == 'household_id':
                    # the instance name repeats it
                    x = x.replace(old[key], val)
                else:
                    x = replace_once(x, '<%s>%s</%s>' % (key, old[key], key),
                                     '<%s>%s</%s>' % (key, val, key), 'xml')
            v.update(times, instance_id=iid, xml=x)
            cur = con.execute(
                'INSERT INTO submissions (%s, state) VALUES (%s, \'draft\')'
                % (', '.join(cols), ', '.join('?' * len(cols))),
                [v[c] for c in cols])
            con.executemany(
                'INSERT INTO answers (submission, path, value, seq) '
                'VALUES (?, ?, ?, ?)',
                [(cur.lastrowid, p, new.get(p, val), seq)
                 for p, val, seq in ans])
            con.execute('UPDATE submissions SET state = \'finalized\' '
                        'WHERE id = ?', (cur.lastrowid,))
        con.execute('COMMIT')
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--collector', required=True)
    ap.add_argument('--home', required=True)
    ap.add_argument('--count', type=int, required=True)
    ap.add_argument('--distinct', type=int)
    ap.add_argument('--snapshot')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    ap.add_argument('--shard', type=int, default=100)
    ap.add_argument('--from', dest='first', default='2026-10-01')
    ap.add_argument('--days', type=int, default=56)
    a = ap.parse_args()
    t0 = time.monotonic()
    rnd = random.Random(a.seed)
    first = datetime.date.fromisoformat(a.first)
    db = os.path.join(a.home, 'collector.db')
    if not os.path.exists(db):
        print('gensubs: %s: no store (run collector init first)' % a.home,
              file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix='gensubs.')
    try:
        # The shards start as copies of the store, settings and all.
        con = sqlite3.connect(db, timeout=30)
        con.execute('PRAGMA wal_checkpoint(TRUNCATE)')
        since = con.execute('SELECT coalesce(max(id), 0) FROM submissions'
                            ).fetchone()[0]
        con.close()
        filled = min(a.count, a.distinct or a.count)
        jobs = []
        for i in range(filled):
            day, clock = visit_clock(rnd, first, a.days)
            path = os.path.join(tmp, '%d.json' % i)
            with open(path, 'w') as f:
                json.dump(answers(rnd, day), f)
            jobs.append((clock, path))
        shards = []
        for k in range(0, filled, a.shard):
            home = os.path.join(tmp, 'shard%d' % len(shards))
            os.mkdir(home, 0o700)
            shutil.copy(db, os.path.join(home, 'collector.db'))
            shards.append((home, jobs[k:k + a.shard]))
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
            for f in [ex.submit(fill_shard, a.collector, h, j)
                      for h, j in shards]:
                f.result()
        for home, _ in shards:
            merge(a.home, home)
        if a.snapshot:
            os.makedirs(a.snapshot, 0o700, exist_ok=True)
            con = sqlite3.connect(db, timeout=30)
            con.execute('PRAGMA wal_checkpoint(TRUNCATE)')
            con.close()
            shutil.copy(db, os.path.join(a.snapshot, 'collector.db'))
        if a.count > filled:
            add_variants(a.home, since, a.count - filled, rnd)
    except (RuntimeError, OSError) as e:
        print('gensubs: %s' % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if a.count > filled:
        print('filled %d, %d variants, in %.1f s' % (
            filled, a.count - filled, time.monotonic() - t0))
    else:
        print('filled %d in %.1f s' % (a.count, time.monotonic() - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
