"""Serves the Python `events-protocol` package's EventProcessor behind
`http.server` on 127.0.0.1, on a free port written to the file named by the
first argument, for tests/interop_python.rs.

Handlers:
- `interop:greet` v1: payload `{"name": str}`; answers `{"text": "hello, <name>"}`,
  or the package's own `badRequest` (`MISSING_FIELDS`) when the payload does
  not validate;
- `interop:login` v1: answers a redirect;
- `interop:secret` v1: raises a `forbidden` error (`NOT_YOURS`).
Any other event gets the package's own `notFound` (`EVENT_NOT_FOUND`).
"""

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from events_protocol import EventBuilder, EventHandler, EventProcessor
from events_protocol.core.exception import EventException
from events_protocol.core.model.base import CamelPydanticMixin
from events_protocol.core.model.event_type import EventErrorType, EventSuccessType
from events_protocol.server.handler.event_handler_discovery import EventDiscovery


class Greet(CamelPydanticMixin):
    name: str


class GreetHandler(EventHandler):
    _SCHEMA = Greet

    @classmethod
    def handle(cls, event):
        greet = cls.parse_event(event)
        return EventBuilder.response_for(event, {"text": f"hello, {greet.name}"})


class LoginHandler(EventHandler):
    @classmethod
    def handle(cls, event):
        payload = {"url": "https://example.invalid/login", "queryParameters": {"next": "/home"}}
        return EventBuilder.response_for(event, payload, EventSuccessType.REDIRECT)


class NotYours(EventException):
    _CODE = "NOT_YOURS"
    _TYPE = EventErrorType.FORBIDDEN


class SecretHandler(EventHandler):
    @classmethod
    def handle(cls, event):
        raise NotYours(parameters={"owner": 9})


EventDiscovery.add("interop:greet", GreetHandler, 1)
EventDiscovery.add("interop:login", LoginHandler, 1)
EventDiscovery.add("interop:secret", SecretHandler, 1)


class Events(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        answer = EventProcessor.process_event(body).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        sys.stderr.write("python_server: " + (format % args) + "\n")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Events)
    port_file = sys.argv[1]
    with open(port_file + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
