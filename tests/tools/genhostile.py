#!/usr/bin/env python3
"""genhostile.py OUTDIR [NAME...]: small form files built to cost minutes
or gigabytes in a naive reader (issue 9, "Bad input"). Each is a real
XLSForm that pyxform would read: what makes it hostile is only its shape.
Used by tests/e2e/t1140-forms-hostile.sh (which bounds time and memory)
and by tests/bench/run.sh (which reports their load time).

  comment.xlsx    a 50 MB XML comment in the survey sheet (50 KB zipped)
  attribute.xlsx  a 50 MB attribute value on one cell
  shared.xlsx     1,000 calculates pointing at one shared string of
                  32,000 terms (16 KB zipped)
  terms.csv       a CSV within every file limit: 500 calculates of
                  32,000 terms each
  questions-N.csv N integer questions (N = 1000, 10000, 100000)
  choices-N.csv   one select_one over a list of N choices
"""
import os
import sys
import zipfile

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
      'content-types"><Default Extension="rels" ContentType="application/'
      'vnd.openxmlformats-package.relationships+xml"/><Default Extension='
      '"xml" ContentType="application/xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns='
        '"http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target='
        '"xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="http://'
      'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
      'schemas.openxmlformats.org/officeDocument/2006/relationships">'
      '<sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets>'
      '</workbook>')
WBRELS = ('<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns='
          '"http://schemas.openxmlformats.org/package/2006/relationships">'
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
          'officeDocument/2006/relationships/worksheet" Target='
          '"worksheets/sheet1.xml"/>%s</Relationships>')
SSTREL = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
          'officeDocument/2006/relationships/sharedStrings" Target='
          '"sharedStrings.xml"/>')
NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'


def cell(ref, text, extra=''):
    return '<c r="%s" t="inlineStr"%s><is><t>%s</t></is></c>' % (
        ref, extra, text)


def xlsx(path, rows, sst=None, before_rows=''):
    """rows: lists of cells (already XML) per row."""
    body = ''.join('<row r="%d">%s</row>' % (i + 1, ''.join(r))
                   for i, r in enumerate(rows))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="%s">'
             '%s<sheetData>%s</sheetData></worksheet>' % (NS, before_rows,
                                                        body))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', CT)
        z.writestr('_rels/.rels', RELS)
        z.writestr('xl/workbook.xml', WB)
        z.writestr('xl/_rels/workbook.xml.rels',
                   WBRELS % (SSTREL if sst is not None else ''))
        z.writestr('xl/worksheets/sheet1.xml', sheet)
        if sst is not None:
            z.writestr('xl/sharedStrings.xml',
                       '<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns='
                       '"%s">%s</sst>' % (NS, ''.join(
                           '<si><t>%s</t></si>' % s for s in sst)))


HEAD = [cell('A1', 'type'), cell('B1', 'name'), cell('C1', 'label')]
MB50 = 50 * 1000 * 1000
TERMS = 32000


def comment(out):
    xlsx(out, [HEAD, [cell('A2', 'text'), cell('B2', 'a'),
                      cell('C2', 'A')]],
         before_rows='<!--' + 'x' * MB50 + '-->')


def attribute(out):
    xlsx(out, [HEAD, [cell('A2', 'text'), cell('B2', 'a'),
                      cell('C2', 'A', ' x="' + 'x' * MB50 + '"')]])


def shared(out):
    rows = [[cell('A1', 'type'), cell('B1', 'name'),
             cell('C1', 'calculation')]]
    for i in range(2, 1002):
        rows.append([cell('A%d' % i, 'calculate'),
                     cell('B%d' % i, 'c%d' % i),
                     '<c r="C%d" t="s"><v>0</v></c>' % i])
    xlsx(out, rows, sst=['+'.join(['1'] * TERMS)])


def terms(out):
    expr = '+'.join(['1'] * TERMS)
    with open(out, 'w') as f:
        f.write('survey,,,\n,type,name,calculation\n')
        for i in range(500):
            f.write(',calculate,c%d,%s\n' % (i, expr))


def questions(out, n):
    with open(out, 'w') as f:
        f.write('survey,,,\n,type,name,label\n')
        for i in range(n):
            f.write(',integer,q%d,Pregunta %d\n' % (i, i))


def choices(out, n):
    with open(out, 'w') as f:
        f.write('survey,,,\n,type,name,label\n')
        f.write(',select_one places,place,Centro poblado\n')
        f.write('choices,,,\n,list_name,name,label\n')
        for i in range(n):
            f.write(',places,p%d,Centro poblado %d\n' % (i, i))


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or ['comment.xlsx', 'attribute.xlsx',
                             'shared.xlsx', 'terms.csv']
    os.makedirs(out, exist_ok=True)
    for name in names:
        path = os.path.join(out, name)
        stem = name.split('.')[0]
        if stem.startswith('questions-'):
            questions(path, int(stem.split('-')[1]))
        elif stem.startswith('choices-'):
            choices(path, int(stem.split('-')[1]))
        else:
            {'comment': comment, 'attribute': attribute, 'shared': shared,
             'terms': terms}[stem](path)


main()
