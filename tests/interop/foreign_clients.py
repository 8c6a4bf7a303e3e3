"""The Python package's `EventClient` (events-protocol==0.2.4) calls our
`examples/server.rs` and, for the same events, the package's own
`EventProcessor` served in this process: each answer must be classified the
same way (`is_success`, `is_redirect`, `is_error`, `error_type`, error `code`),
and our success and redirect payloads must be what the example handlers say.

Usage: python3 foreign_clients.py <our events URL>
"""

import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from events_protocol import EventBuilder, EventHandler, EventProcessor
from events_protocol.client import EventClient
from events_protocol.core.exception import EventException
from events_protocol.core.model.event_type import EventErrorType, EventSuccessType
from events_protocol.server.handler.event_handler_discovery import EventDiscovery


# the package logs every registration and error answer as JSON: not needed here
logging.getLogger("gb.events_protocol").setLevel(logging.CRITICAL)


# The package's own implementation of the example server's events.
class SayHello(EventHandler):
    @classmethod
    def handle(cls, event):
        return EventBuilder.response_for(event, {"greeting": f"hello, {event.payload['name']}"})


class InsufficientFunds(EventException):
    _CODE = "INSUFFICIENT_FUNDS"
    _TYPE = EventErrorType.FORBIDDEN


class Withdraw(EventHandler):
    @classmethod
    def handle(cls, event):
        raise InsufficientFunds({"balance": 100})


class OpenHome(EventHandler):
    @classmethod
    def handle(cls, event):
        payload = {"url": "https://example.com/home", "queryParameters": {"tab": "news"}}
        return EventBuilder.response_for(event, payload, EventSuccessType.REDIRECT)


EventDiscovery.add("greeting:say", SayHello, 1)
EventDiscovery.add("account:withdraw", Withdraw, 1)
EventDiscovery.add("page:home:open", OpenHome, 1)


class Own(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        answer = EventProcessor.process_event(body).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


def classify(client, name, payload):
    answer = client.send_event(name, 1, payload, timeout=10)
    return {
        "is_success": answer.is_success,
        "is_redirect": answer.is_redirect,
        "is_error": answer.is_error,
        "error_type": str(answer.error_type) if answer.is_error else None,
        "code": answer.payload.get("code") if answer.is_error else None,
    }, answer


def main():
    ours = EventClient(sys.argv[1])
    own_server = ThreadingHTTPServer(("127.0.0.1", 0), Own)
    threading.Thread(target=own_server.serve_forever, daemon=True).start()
    own = EventClient(f"http://127.0.0.1:{own_server.server_address[1]}/events")

    cases = [
        ("success", "greeting:say", {"name": "Ada"}, {"greeting": "hello, Ada"}),
        ("redirect", "page:home:open", {}, {"url": "https://example.com/home", "queryParameters": {"tab": "news"}}),
        ("error", "account:withdraw", {"amount": 500}, None),
        ("not found", "no:such_thing:get", {}, None),
    ]
    failures = 0
    for label, name, payload, expected_payload in cases:
        our_class, our_answer = classify(ours, name, payload)
        own_class, _ = classify(own, name, payload)
        same = our_class == own_class
        if expected_payload is not None and our_answer.payload != expected_payload:
            same = False
        print(f"python EventClient, {label:<9} {name:<18} ours {our_class} own {own_class}: "
              f"{'same' if same else 'DIFFERENT'}")
        if not same:
            print(f"  our answer: {our_answer.to_json()}")
            failures += 1
    own_server.shutdown()
    if failures:
        print(f"python EventClient: {failures} case(s) classified differently")
        sys.exit(1)


if __name__ == "__main__":
    main()
