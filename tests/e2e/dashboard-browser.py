#!/usr/bin/python3
"""dashboard-browser.py: a coordinator's visit to the dashboard in headless
Chromium (Debian's chromium, chromium-driver and python3-selenium).

    dashboard-browser.py URL USER PASSWORD REPORT.json CLI.zip OUTDIR

Logs in through the form, loads the dashboard, checks that its style
sheet applied and that the page broke no rule of its Content-Security-
Policy, compares the anaemia table, district by district, with
`hub report --format json`, follows the anaemia csv link and checks the
downloaded zip against `hub export` (CLI.zip), takes a screenshot
(OUTDIR/dashboard.png), logs out and is refused after. Prints one line
per check: "ok - ...", "not ok - ...", or "skip - ..." when the browser
cannot be had here.
"""

import json
import os
import sys
import time
import zipfile

CHECKS = [
    "the login form logs in",
    "the style sheet applies (under the CSP)",
    "no Content-Security-Policy violation in the console",
    "the anaemia table matches the JSON report, district by district",
    "the export link downloads the csv zip, the same as hub export",
    "a screenshot of the dashboard",
    "logout goes to the login page",
    "the dashboard refuses after logout",
    "an export refuses after logout",
]


def skip_all(why):
    for c in CHECKS:
        print("skip - %s (%s)" % (c, why))
    sys.exit(0)


try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.chrome.service import Service
except ImportError:
    skip_all("python3-selenium missing")
for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
    if not os.access(tool, os.X_OK):
        skip_all(tool + " missing")

url, user, password, report, cli_zip, outdir = sys.argv[1:7]
downloads = os.path.join(outdir, "downloads")
os.makedirs(downloads, exist_ok=True)
done = []


def check(name, ok, detail=""):
    assert name in CHECKS, name
    done.append(name)
    print("%s - %s" % ("ok" if ok else "not ok", name))
    if not ok and detail:
        for line in str(detail).splitlines()[:20]:
            print("# " + line)


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--window-size=1280,1400",
          "--lang=es-PE", "--no-first-run"):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
opts.add_experimental_option("prefs", {
    "download.default_directory": downloads,
    "download.prompt_for_download": False,
})
try:
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                              options=opts)
except Exception as e:  # no display, a broken install: not this test's
    skip_all("chromium does not start: %s" % str(e).splitlines()[0])
driver.set_page_load_timeout(30)
driver.execute_cdp_cmd("Page.setDownloadBehavior",
                       {"behavior": "allow", "downloadPath": downloads})

try:
    driver.get(url + "/")
    on_login = driver.current_url.endswith("/login")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button").click()
    for _ in range(100):
        if driver.find_elements(By.CSS_SELECTOR, "form.period"):
            break
        time.sleep(0.1)
    check("the login form logs in",
          on_login and driver.current_url.rstrip("/") == url and
          driver.find_elements(By.CSS_SELECTOR, "form.period"),
          driver.current_url)

    border = driver.execute_script(
        "return getComputedStyle(document.querySelector('h2'))"
        ".borderBottomStyle")
    check("the style sheet applies (under the CSP)", border == "solid",
          "h2's border-bottom-style: %r" % border)
    logs = [m["message"] for m in driver.get_log("browser")
            if "Content Security Policy" in m["message"] or
            m["level"] == "SEVERE"]
    check("no Content-Security-Policy violation in the console", not logs,
          "\n".join(logs))

    r = json.load(open(report, encoding="utf-8"))
    want = [("%s %s" % (d["ubigeo"], d["name"]),
             str(d["anaemia"]["groups"]["all"]["measured"]))
            for d in r["districts"]]
    for u in ("no_district", "province"):
        want.append((r[u]["name"],
                     str(r[u]["anaemia"]["groups"]["all"]["measured"])))
    table = driver.find_element(By.XPATH, "(//h2)[2]/following::table[1]")
    got = []
    for tr in table.find_elements(By.TAG_NAME, "tr"):
        tds = tr.find_elements(By.TAG_NAME, "td")
        if len(tds) >= 2:
            got.append((tds[0].text.strip(), tds[1].text.strip()))
    check("the anaemia table matches the JSON report, district by district",
          got == want and len(got) == 19,
          "\n".join("got %r want %r" % (g, w)
                    for g, w in zip(got + [None] * 19, want) if g != w))

    link = driver.find_element(By.CSS_SELECTOR,
                               "a[href='/export/anemia/csv']")
    link.click()
    path = os.path.join(downloads, "anemia.zip")
    for _ in range(100):
        if os.path.exists(path) and not os.path.exists(path + ".crdownload"):
            break
        time.sleep(0.1)
    same, why = False, "no %s after 10 s" % path
    if os.path.exists(path):
        with zipfile.ZipFile(path) as a, zipfile.ZipFile(cli_zip) as b:
            names = sorted(a.namelist())
            same = names == sorted(b.namelist()) and all(
                a.read(n) == b.read(n) for n in names)
            why = "entries %s against %s" % (names, sorted(b.namelist()))
    check("the export link downloads the csv zip, the same as hub export",
          same, why)

    png = os.path.join(outdir, "dashboard.png")
    driver.save_screenshot(png)
    check("a screenshot of the dashboard",
          open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n")

    driver.find_element(By.CSS_SELECTOR, "header form button").click()
    for _ in range(100):    # the click's navigation ends on its own time
        if driver.current_url.endswith("/login"):
            break
        time.sleep(0.1)
    check("logout goes to the login page",
          driver.current_url.endswith("/login"), driver.current_url)
    driver.get(url + "/")
    check("the dashboard refuses after logout",
          driver.current_url.endswith("/login") and
          not driver.find_elements(By.CSS_SELECTOR, "form.period"),
          driver.current_url)
    driver.get(url + "/export/anemia/json")
    check("an export refuses after logout",
          driver.current_url.endswith("/login"), driver.current_url)
except Exception as e:
    for c in CHECKS:
        if c not in done:
            check(c, False, "%s: %s" % (type(e).__name__, e))
finally:
    driver.quit()
