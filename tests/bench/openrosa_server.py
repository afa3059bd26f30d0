#!/usr/bin/env python3
"""openrosa_server.py: a stand-in for ODK Central's OpenRosa submission API.

The bench (tests/bench/sync.sh) measures what ODK Collect's upload of the
same submissions costs on the wire, through the same fault proxy as our
sync. This server answers as Central does, so that the response bytes are
counted too:

  HEAD .../submission  204, X-OpenRosa-Version, X-OpenRosa-Accept-Content-
                       Length, Date (Collect asks this before every POST:
                       without a Location header it caches nothing)
  POST .../submission  multipart/form-data with a part xml_submission_file:
                       201 and Central's OpenRosaResponse body, byte for
                       byte (lib/formats/openrosa.js, createdMessage)

Any path that ends in /submission is taken, so an app user's token in the
path (/v1/key/TOKEN/projects/1/submission) works. The headers are the ones
every Central install sends, Server as its nginx says it; the security
headers a deployment adds are left out, which can only make ODK look
cheaper than it is.

    openrosa_server.py [--listen HOST:PORT] [--port-file FILE]
                       [--count-file FILE] [--max-seconds S]

--count-file is rewritten (temporary file, then rename) on every
submission: {"submissions": N, "distinct": N, "bad": N}, where distinct
counts instanceIDs and bad the requests refused. The server exits on
SIGTERM or SIGINT, and by itself after --max-seconds (default 600).
Python 3 standard library only.
"""

import argparse
import http.server
import json
import os
import re
import signal
import socketserver
import sys
import threading

RESPONSE = (b'\n  <OpenRosaResponse xmlns="http://openrosa.org/http/response"'
            b' items="0">\n'
            b'    <message nature="">full submission upload was successful!'
            b'</message>\n'
            b'  </OpenRosaResponse>')
MAX_BODY = 10485760
INSTANCE_ID = re.compile(rb'<instanceID>([^<]+)</instanceID>')
PART = re.compile(rb'Content-Disposition: form-data; name="xml_submission_file"'
                  rb'(; filename="[^"]*")?\r\n', re.IGNORECASE)


class Counts:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.submissions = 0
        self.bad = 0
        self.ids = set()

    def add(self, instance_id):
        with self.lock:
            if instance_id is None:
                self.bad += 1
            else:
                self.submissions += 1
                self.ids.add(instance_id)
            self.write()

    def write(self):
        if self.path is None:
            return
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump({'submissions': self.submissions,
                       'distinct': len(self.ids), 'bad': self.bad}, f)
            f.write('\n')
        os.replace(tmp, self.path)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'   # keep-alive, as nginx
    disable_nagle_algorithm = True  # headers and body are two writes
    server_version = 'nginx'
    sys_version = ''

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        pass

    def openrosa(self, code, body=None):
        self.send_response(code)
        if body is not None:
            self.send_header('Content-Type', 'text/xml; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
        self.send_header('Connection', 'keep-alive')
        self.send_header('X-OpenRosa-Version', '1.0')
        if code == 204:
            self.send_header('X-OpenRosa-Accept-Content-Length',
                             str(MAX_BODY))
        self.end_headers()
        if body is not None and self.command != 'HEAD':
            self.wfile.write(body)

    def is_submission(self):
        return self.path.split('?', 1)[0].endswith('/submission')

    def do_HEAD(self):
        if not self.is_submission():
            self.openrosa(404, b'')
            return
        self.openrosa(204)

    def do_POST(self):
        try:
            n = int(self.headers.get('Content-Length', ''))
        except ValueError:
            n = -1
        if not self.is_submission() or n < 0 or n > MAX_BODY:
            self.server.counts.add(None)
            self.close_connection = True
            self.openrosa(400, b'')
            return
        body = self.rfile.read(n)
        ctype = self.headers.get('Content-Type', '')
        m = INSTANCE_ID.search(body)
        if (not ctype.startswith('multipart/form-data; boundary=')
                or not PART.search(body) or m is None):
            self.server.counts.add(None)
            self.openrosa(400, b'')
            return
        self.server.counts.add(m.group(1))
        self.openrosa(201, RESPONSE)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--listen', default='127.0.0.1:0')
    ap.add_argument('--port-file')
    ap.add_argument('--count-file')
    ap.add_argument('--max-seconds', type=float, default=600)
    a = ap.parse_args()
    host, _, port = a.listen.rpartition(':')
    srv = Server((host, int(port)), Handler)
    srv.counts = Counts(a.count_file)
    srv.counts.write()
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + '.tmp', 'w') as f:
            f.write('%d\n' % port)
        os.replace(a.port_file + '.tmp', a.port_file)
    print(port, flush=True)

    def stop(*_):
        # shutdown() waits for serve_forever: not from its own thread
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    timer = threading.Timer(a.max_seconds, stop)
    timer.daemon = True
    timer.start()
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
