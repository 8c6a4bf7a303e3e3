"""The sample event through the Python package's processor, in a loop:
`EventProcessor.process_event(body)` of events-protocol 0.2.4, with the
README's handler written the package's way (an `EventHandler` subclass with a
pydantic `_SCHEMA` and a `handle` classmethod, registered with
`EventDiscovery.add`).

Usage: python3 compare_python.py <event file> <rounds> <seconds per round>

Prints the median events per second of elapsed time and per second of CPU
time over the rounds, as the last line of standard output (the package logs
there too); each round and one answer on standard error.
"""

import json
import statistics
import sys
import time

from events_protocol import EventBuilder, EventHandler, EventProcessor
from events_protocol.core.model.base import CamelPydanticMixin
from events_protocol.server.handler.event_handler_discovery import EventDiscovery


class MyEvent(CamelPydanticMixin):
    example: str


class MyEventHandler(EventHandler):
    _SCHEMA = MyEvent

    @classmethod
    def handle(cls, event):
        payload = cls.parse_event(event)
        return EventBuilder.response_for(event, {"MyEventPayload": payload.example})


EventDiscovery.add("event:name", MyEventHandler, 1)


def main():
    body = open(sys.argv[1], encoding="utf-8").read().strip()
    rounds, seconds = int(sys.argv[2]), float(sys.argv[3])
    answer = EventProcessor.process_event(body)
    parsed = json.loads(answer)
    if parsed["name"] != "event:name:response" or parsed["payload"] != {"MyEventPayload": "hello"}:
        sys.exit(f"python: unexpected answer {answer}")
    print(f"python answer: {answer}", file=sys.stderr)
    process = EventProcessor.process_event
    rates, cpu_rates = [], []
    for round_number in range(1, rounds + 1):
        events = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        while True:
            for _ in range(100):
                process(body)
            events += 100
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                break
        cpu = time.process_time() - cpu_started
        rates.append(events / elapsed)
        cpu_rates.append(events / cpu)
        print(f"python round {round_number}: {events / elapsed:.0f} events/s, "
              f"{events / cpu:.0f} per CPU-second", file=sys.stderr)
    print(f"{statistics.median(rates):.0f} {statistics.median(cpu_rates):.0f}")


if __name__ == "__main__":
    main()
