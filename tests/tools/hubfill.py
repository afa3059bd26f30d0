#!/usr/bin/env python3
"""hubfill.py: put a batch file's submissions straight into a hub store.

    hubfill.py HUB.DB BATCH.gz

For the benches that need a store of a million submissions in seconds
(bench/export.sh, bench/report.sh): the lines of the batch (from
`bench_merge gen N FILE`: real anaemia submissions, computed values
included) are inserted as `hub import` would store them, with plain SQL in
one transaction, skipping the merge's re-validation (the merge has a bench
of its own, bench/merge.sh). HUB.DB must be a store made by `hub init`
with the batch's device enrolled (`hub device add bench-01`).

The columns written are those the merge writes (store.c's Q_ADD_SUB): a
change there must be made here too. Prints "inserted N in S s".
"""

import datetime
import gzip
import json
import sqlite3
import sys
import time


def main():
    db, path = sys.argv[1:3]
    t0 = time.monotonic()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute('PRAGMA synchronous=OFF')
    now = datetime.datetime.now().astimezone().isoformat(
        timespec='milliseconds')
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        head = json.loads(f.readline())
        con.execute('BEGIN')
        cur = con.execute(
            'INSERT INTO batches (batch_id, device_id, via, received_at,'
            ' count, stored) VALUES (?, ?, \'import\', ?, ?, ?)',
            (head['batch_id'], head['device_id'], now, head['count'],
             head['count']))
        batch = cur.lastrowid

        def rows():
            for line in f:
                line = line.rstrip('\n')
                s = json.loads(line)
                yield (s['instance_id'], s['deprecated_id'], s['form_id'],
                       s['form_version'], s['device_id'],
                       s['data'].get('district'), s['finalized_at'], now,
                       batch, line)
        con.executemany(
            'INSERT INTO submissions (instance_id, deprecated_id, form_id,'
            ' form_version, device_id, district, finalized_at, received_at,'
            ' batch, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', rows())
        n = con.execute('SELECT count(*) FROM submissions').fetchone()[0]
        con.execute('COMMIT')
    con.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    con.close()
    print('inserted %d in %.1f s' % (n, time.monotonic() - t0))


if __name__ == '__main__':
    main()
