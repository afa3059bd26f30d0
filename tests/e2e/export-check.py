#!/usr/bin/env python3
"""export-check.py: does a `hub export` match the hub's data?

    export-check.py csv  HUB_DB FORM ZIP  FORM.csv [OLDER.csv...]
    export-check.py xlsx HUB_DB FORM XLSX FORM.csv [OLDER.csv...]

Computes, on its own, what ODK Central's layout says the export of FORM
must hold, and compares it with the file, cell by cell:

- the expected tables and columns, from the XLSForm sources given (the
  newest version first): the newest version's fields in form order, then
  the older versions' extra ones; group paths joined by '-'; a
  select_multiple followed by NAME/CHOICE for every choice of every
  version; notes left out; SubmissionDate first; meta-instanceID, KEY,
  SubmitterID... at the end; PARENT_KEY and KEY last in a repeat's table;
- the expected rows, from the stored lines of HUB_DB (SQLite, read here
  with Python's own driver): the current revision of each submission
  (none deprecates it), its answers as sent (a number keeps its text),
  Edits counted along deprecated_id, the first revision's arrival as
  SubmissionDate (UTC, as Central writes it).

The zip is read with zipfile and csv; the workbook with openpyxl (a reader
other than the hub's writer): numbers must be numbers there, dates dates,
the second row the Spanish labels. Prints one line per problem (at most
20) and exits 1, or prints "ok: ..." and exits 0.
"""

import csv
import datetime
import io
import json
import re
import sqlite3
import subprocess
import sys
import zipfile


def read_xlsform(path):
    """The sheets of a pyxform single-file CSV: {sheet: [row dicts]}."""
    sheets, cur, head = {}, None, None
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.reader(f):
            if row and row[0]:
                cur, head = row[0].strip(), None
                sheets[cur] = []
                continue
            if cur is None or not any(row[1:]):
                continue
            if head is None:
                head = [h.strip() for h in row[1:]]
                continue
            sheets[cur].append(dict(zip(head, row[1:])))
    return sheets


def spanish(row, col):
    for k, v in row.items():
        if k.startswith(col + '::') and '(es)' in k and v:
            return v
    return row.get(col) or None


class Leaf:
    def __init__(self, kind, label):
        self.kind, self.label, self.choices = kind, label, []


def form_tree(path):
    """[(kind, name, label, kids or Leaf)] in form order, and the form."""
    sh = read_xlsform(path)
    lists = {}
    for c in sh.get('choices', []):
        lists.setdefault(c['list_name'], []).append(
            (c['name'], spanish(c, 'label')))
    root = []
    stack = [root]
    for r in sh['survey']:
        t = r['type'].strip()
        if t in ('begin group', 'begin_group', 'begin repeat',
                 'begin_repeat'):
            kids = []
            kind = 'repeat' if 'repeat' in t else 'group'
            stack[-1].append((kind, r['name'], spanish(r, 'label'), kids))
            stack.append(kids)
        elif t in ('end group', 'end_group', 'end repeat', 'end_repeat'):
            stack.pop()
        elif t == 'note':
            continue
        else:
            base = t.split()[0]
            leaf = Leaf(base, spanish(r, 'label'))
            if base == 'select_multiple':
                leaf.choices = lists.get(t.split()[1], [])
            stack[-1].append(('leaf', r['name'], spanish(r, 'label'), leaf))
    return root


def layout(paths, form_id):
    """tables: [(name, node path, [columns])]; leaves: {path: info}."""
    trees = [form_tree(p) for p in paths]
    # the union of choices per select_multiple path, newest first
    choices = {}

    def gather(nodes, prefix):
        for kind, name, _, x in nodes:
            p = prefix + (name,)
            if kind == 'leaf':
                if x.kind == 'select_multiple':
                    have = choices.setdefault(p, [])
                    for c in x.choices:
                        if c[0] not in [h[0] for h in have]:
                            have.append(c)
            else:
                gather(x, p)
    for t in trees:
        gather(t, ())
    tables = [[form_id, (), ['SubmissionDate'], ['received by the hub (UTC)']]]
    table_of = {(): 0}
    leaves = {}

    def place(nodes, prefix, ti):
        for kind, name, label, x in nodes:
            p = prefix + (name,)
            if kind == 'group':
                place(x, p, ti)
            elif kind == 'repeat':
                if p not in table_of:
                    table_of[p] = len(tables)
                    tables.append(['%s-%s' % (form_id, name), p, [], []])
                place(x, p, table_of[p])
            elif p not in leaves:
                top = tables[ti][1]
                col = '-'.join(p[len(top):])
                info = {'table': ti, 'col': col, 'kind': x.kind,
                        'label': label, 'choices': choices.get(p, [])}
                leaves[p] = info
                cols, labels = tables[ti][2], tables[ti][3]
                if x.kind == 'geopoint':
                    for part in ('Latitude', 'Longitude', 'Altitude',
                                 'Accuracy'):
                        cols.append('%s-%s' % (col, part))
                        labels.append(None)
                    continue
                cols.append(col)
                labels.append(label)
                if x.kind == 'select_multiple':
                    for c, cl in info['choices']:
                        cols.append('%s/%s' % (col, c))
                        labels.append('%s: %s' % (label, cl)
                                      if label and cl else label or cl)
    for t in trees:
        place(t, (), 0)
    tables[0][2] += ['meta-instanceID', 'KEY', 'SubmitterID',
                     'SubmitterName', 'AttachmentsPresent',
                     'AttachmentsExpected', 'Status', 'ReviewState',
                     'DeviceID', 'Edits', 'FormVersion']
    tables[0][3] += [None] * 11
    for t in tables[1:]:
        t[2] += ['PARENT_KEY', 'KEY']
        t[3] += [None, None]
    return tables, leaves, table_of


def utc(stamp):
    t = datetime.datetime.fromisoformat(stamp).astimezone(
        datetime.timezone.utc)
    return t.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (
        t.microsecond // 1000)


SUBMISSIONS = ('SELECT id, instance_id, deprecated_id, form_version,'
               ' device_id, received_at, line, form_id'
               ' FROM submissions ORDER BY id')


def stored(db):
    """Every stored submission: from the SQLite file, or through psql
    from a PostgreSQL database (db a postgresql:// URL)."""
    if not db.startswith('postgresql://'):
        con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
        rows = con.execute(SUBMISSIONS).fetchall()
        con.close()
        return rows
    out = subprocess.run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
                          '-d', db, '-c',
                          'COPY (%s) TO STDOUT WITH (FORMAT csv)'
                          % SUBMISSIONS],
                         check=True, capture_output=True, text=True).stdout
    return [(int(r[0]), r[1], r[2] or None, r[3], r[4], r[5], r[6], r[7])
            for r in csv.reader(io.StringIO(out))]


def submissions(db, form_id):
    rows = stored(db)
    by_id = {r[1]: r for r in rows}
    replaced = {r[2] for r in rows if r[2]}
    out = []
    for r in rows:
        if r[7] != form_id or r[1] in replaced:
            continue
        edits, first, seen, d = 0, r[5], set(), r[2]
        while d and d not in seen:
            seen.add(d)
            edits += 1
            if d not in by_id:
                break
            first = min(first, by_id[d][5])
            d = by_id[d][2]
        env = json.loads(r[6], parse_float=Num, parse_int=Num)
        out.append((r, env, edits, first))
    return out


class Num(str):
    """A JSON number, with the text the line has."""


def text(v):
    """A JSON value as the export writes it (numbers as sent)."""
    if v is None:
        return ''
    if v is True or v is False:
        return 'true' if v else 'false'
    return v


def expected(tables, leaves, table_of, subs):
    """{table index: [ {column: (value, is_json_number)} ]}"""
    rows = {i: [] for i in range(len(tables))}

    def fill(obj, prefix, ti, row, key):
        for name, v in obj.items():
            p = prefix + (name,)
            if isinstance(v, dict):
                fill(v, p, ti, row, key + '/' + name)
            elif isinstance(v, list):
                ri = table_of[p]
                for i, item in enumerate(v, 1):
                    k = '%s/%s[%d]' % (key, name, i)
                    sub = {'KEY': (k, False), 'PARENT_KEY': (row['_key'],
                                                              False),
                           '_key': k}
                    fill(item, p, ri, sub, k)
                    rows[ri].append(sub)
            else:
                info = leaves[p]
                if v is None:
                    continue
                num = isinstance(v, Num)
                if info['kind'] == 'geopoint':
                    for part, x in zip(('Latitude', 'Longitude', 'Altitude',
                                        'Accuracy'), text(v).split()):
                        row['%s-%s' % (info['col'], part)] = (x, False)
                    continue
                row[info['col']] = (text(v), num)
                if info['kind'] == 'select_multiple' and text(v) != '':
                    picked = text(v).split()
                    for c, _ in info['choices']:
                        row['%s/%s' % (info['col'], c)] = (
                            '1' if c in picked else '0', 'split')
    for r, env, edits, first in subs:
        iid = r[1]
        row = {'_key': iid}
        fill(env['data'], (), 0, row, iid)
        row.update({
            'SubmissionDate': (utc(first), False),
            'meta-instanceID': (iid, False), 'KEY': (iid, False),
            'SubmitterID': (r[4], False),
            'SubmitterName': (env.get('promoter') or '', False),
            'AttachmentsPresent': ('0', True),
            'AttachmentsExpected': ('0', True),
            'ReviewState': ('edited' if edits else '', False),
            'DeviceID': (r[4], False), 'Edits': (str(edits), True),
            'FormVersion': (r[3], False)})
        rows[0].append(row)
    return rows


class Problems:
    def __init__(self):
        self.n = 0

    def __call__(self, msg):
        self.n += 1
        if self.n <= 20:
            print('problem: ' + msg)


def check_csv(path, form_id, tables, rows, bad):
    z = zipfile.ZipFile(path)
    names = sorted(z.namelist())
    want = sorted('%s.csv' % t[0] for t in tables)
    if names != want:
        bad('files %s, want %s' % (names, want))
        return
    for ti, t in enumerate(tables):
        data = z.read('%s.csv' % t[0]).decode('utf-8')
        got = list(csv.reader(io.StringIO(data, newline='')))
        if got[0] != t[2]:
            bad('%s.csv: columns %s, want %s' % (t[0], got[0], t[2]))
            continue
        if len(got) - 1 != len(rows[ti]):
            bad('%s.csv: %d rows, want %d' % (t[0], len(got) - 1,
                                              len(rows[ti])))
            continue
        for i, (g, w) in enumerate(zip(got[1:], rows[ti]), 2):
            for c, v in zip(t[2], g):
                want_v = w.get(c, ('', False))[0]
                if v != want_v:
                    bad('%s.csv line %d, %s: %r, want %r' % (
                        t[0], i, c, v, want_v))
    # every PARENT_KEY names a row of the table above
    keys = set()
    for ti in range(len(tables)):
        data = z.read('%s.csv' % tables[ti][0]).decode('utf-8')
        for r in csv.DictReader(io.StringIO(data, newline='')):
            keys.add(r['KEY'])
            if ti > 0 and r['PARENT_KEY'] not in keys:
                bad('%s: PARENT_KEY %s names no row' % (tables[ti][0],
                                                        r['PARENT_KEY']))
    if bad.n == 0:
        print('ok: %s: %s' % (path, ', '.join(
            '%s.csv %d rows' % (t[0], len(rows[i]))
            for i, t in enumerate(tables))))


def typed(info_kind, value, flag):
    """What openpyxl must give for a cell the csv holds as value."""
    if value == '':
        return None
    if flag == 'split':
        return int(value)
    if flag is True or (info_kind in ('integer', 'decimal', 'calculate',
                                      'number')
                        and plain_number(value)):
        f = float(value)
        return int(f) if f.is_integer() else f
    if info_kind == 'date':
        return datetime.datetime.fromisoformat(value)
    return value


def plain_number(s):
    t = s[1:] if s.startswith('-') else s
    whole, _, frac = t.partition('.')
    if not whole.isdigit() or (len(whole) > 1 and whole[0] == '0'):
        return False
    if _ and not frac.isdigit():
        return False
    return len(whole) + len(frac) <= 15


XESC = re.compile(r'_x([0-9A-Fa-f]{4})_')


def unescape(v):
    """OOXML writes a control character as _xHHHH_ (a CR is _x000D_);
    Excel reads it back, openpyxl 3.0 leaves it: undone here."""
    if isinstance(v, str):
        return XESC.sub(lambda m: chr(int(m.group(1), 16)), v)
    return v


def check_xlsx(path, form_id, tables, leaves, rows, bad):
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True)
    kinds = {}
    for info in leaves.values():
        kinds[(info['table'], info['col'])] = info['kind']
    sheets = wb.sheetnames
    if len(sheets) != len(tables):
        bad('sheets %s for %d tables' % (sheets, len(tables)))
        return
    for ti, t in enumerate(tables):
        ws = wb[sheets[ti]]
        got = list(ws.iter_rows(values_only=True))
        cols = t[2]
        head = [c for c in got[0]]
        if head != cols:
            bad('sheet %s: columns %s, want %s' % (sheets[ti], head, cols))
            continue
        for c, lab, want in zip(cols, got[1], t[3]):
            if want is not None and lab != want:
                bad('sheet %s: label of %s %r, want %r' % (sheets[ti], c,
                                                          lab, want))
        if len(got) - 2 != len(rows[ti]):
            bad('sheet %s: %d rows, want %d' % (sheets[ti], len(got) - 2,
                                                len(rows[ti])))
            continue
        for i, (g, w) in enumerate(zip(got[2:], rows[ti]), 3):
            for j, c in enumerate(cols):
                v = unescape(g[j]) if j < len(g) else None
                val, flag = w.get(c, ('', False))
                base = c.split('/')[0]
                kind = kinds.get((ti, base), 'number' if c in (
                    'Edits', 'AttachmentsPresent', 'AttachmentsExpected')
                    else 'text')
                if c.rsplit('-', 1)[-1] in ('Latitude', 'Longitude',
                                            'Altitude', 'Accuracy'):
                    kind = 'number'
                want_v = typed(kind, val, flag)
                if v != want_v:
                    bad('sheet %s row %d, %s: %r, want %r' % (
                        sheets[ti], i, c, v, want_v))
    if bad.n == 0:
        print('ok: %s: %s' % (path, ', '.join(
            'sheet %s %d rows' % (sheets[i], len(rows[i]))
            for i in range(len(tables)))))


def main():
    fmt, db, form_id, path = sys.argv[1:5]
    tables, leaves, table_of = layout(sys.argv[5:], form_id)
    subs = submissions(db, form_id)
    rows = expected(tables, leaves, table_of, subs)
    bad = Problems()
    if fmt == 'csv':
        check_csv(path, form_id, tables, rows, bad)
    else:
        check_xlsx(path, form_id, tables, leaves, rows, bad)
    if bad.n:
        print('%d problems' % bad.n)
        sys.exit(1)


if __name__ == '__main__':
    main()
