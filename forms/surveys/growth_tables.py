#!/usr/bin/env python3
"""growth_tables.py WHO_DIR OUT_DIR: the WHO 2006 Child Growth Standards'
LMS tables as the anaemia survey's attachments (anemia-media/*.csv).

Source: WHO Multicentre Growth Reference Study Group, WHO Child Growth
Standards (2006), the tab-separated tables lenanthro.txt, weianthro.txt,
wflanthro.txt and wfhanthro.txt of the data-raw/growthstandards folder of
WHO's R package anthro (github.com/WorldHealthOrganization/anthro, commit
b776d8a). The numbers are copied as WHO writes them; only the name (the key) the
survey looks rows up by is added:

  growth_lhfa.csv  length/height-for-age  name "SEX-DAYS"      (m-0 .. f-1826)
  growth_wfa.csv   weight-for-age         name "SEX-DAYS"
  growth_wflh.csv  weight-for-length (l, under 731 days, 45-110 cm) and
                   weight-for-height (h, from 731 days, 65-120 cm), name
                   "SEX-l-MM" / "SEX-h-MM", MM the length in millimetres
                   (m-l-450 is a boy's 45.0 cm lying)

SEX is the survey's: m (WHO's 1) or f (WHO's 2).
"""
import csv
import os
import sys
from decimal import Decimal

SEX = {"1": "m", "2": "f"}


def rows(path):
    with open(path, newline="") as fp:
        return list(csv.DictReader(fp, delimiter="\t"))


def write(path, out):
    with open(path, "w", newline="") as fp:
        w = csv.writer(fp, lineterminator="\n")
        w.writerow(["name", "l", "m", "s"])
        w.writerows(out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: growth_tables.py WHO_DIR OUT_DIR")
    src, dst = sys.argv[1], sys.argv[2]
    for name, out in (("lenanthro", "growth_lhfa"),
                      ("weianthro", "growth_wfa")):
        write(os.path.join(dst, out + ".csv"),
              [("%s-%s" % (SEX[r["sex"]], r["age"]), r["l"], r["m"], r["s"])
               for r in rows(os.path.join(src, name + ".txt"))])
    out = []
    for name, col, tag in (("wflanthro", "length", "l"),
                           ("wfhanthro", "height", "h")):
        for r in rows(os.path.join(src, name + ".txt")):
            mm = Decimal(r[col]) * 10
            assert mm == mm.to_integral_value(), r
            out.append(("%s-%s-%d" % (SEX[r["sex"]], tag, mm),
                        r["l"], r["m"], r["s"]))
    write(os.path.join(dst, "growth_wflh.csv"), out)


if __name__ == "__main__":
    main()
