"""The Python package's client's round trips per second: `EventClient.send_event`
of events-protocol 0.2.4 (over `requests`), `greeting:say` with the payload
`{"name": "Ada"}`, in a loop against a server, each answer checked to be a
success. The Python line of the client part of `bench/http`.

Usage: python3 client_python.py <events URL> [seconds]

Prints the round trips per second, and the CPU time this process spent per
round trip in microseconds (the client's own cost, whatever the wait for the
server).
"""

import sys
import time

from events_protocol.client import EventClient


def main():
    url = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    client = EventClient(url)

    def call():
        answer = client.send_event("greeting:say", 1, {"name": "Ada"})
        if not answer.is_success:
            sys.exit(f"python client: not a success: {answer.to_json()}")

    call()
    calls = 0
    started, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        call()
        calls += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{calls / elapsed:.0f} {cpu * 1e6 / calls:.1f}")


if __name__ == "__main__":
    main()
