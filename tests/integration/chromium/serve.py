#!/usr/bin/python3
"""Serves page.html and writes what the page reports to /result.

    serve.py ADDR PORT RESULT_FILE
"""
import http.server
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=HERE, **kw)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/result":
            with open(sys.argv[3], "w") as f:
                for k, v in urllib.parse.parse_qsl(u.query):
                    f.write("%s=%s\n" % (k, v))
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])),
                                Handler).serve_forever()
