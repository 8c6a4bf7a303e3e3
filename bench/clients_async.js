// The JavaScript package's client under load: @guiabolsobr/events-protocol
// 1.0.1-2's `createEvent` and `generateFetchEvent` (over Node's `fetch`),
// with <in flight> calls of `greeting:say` kept in flight against a server
// for <seconds>, each answer checked to be the expected success.
//
// Usage: node clients_async.js <node_modules> <base URL> <seconds> <in flight>
//
// Prints "result <round trips per second> <round trips>" on standard output.

"use strict";

const path = require("path");

const [modules, base, secondsText, inFlightText] = process.argv.slice(2);
const events = require(path.join(modules, "@guiabolsobr", "events-protocol", "client", "events"));

// createEvent warns when metadata.origin is "web" (it sets it so itself)
console.warn = () => {};

const fetchEvent = events.generateFetchEvent({ hostname: base });
const config = { localUuidResolver: () => "bench-session" };

async function one() {
    const event = events.createEvent(
        { name: "greeting:say", version: 1, payload: { name: "Ada" }, auth: { token: "bench" }, metadata: {}, identity: {} },
        config,
    );
    const answer = await fetchEvent(event, true);
    if (answer.name !== "greeting:say:response" || answer.payload.greeting !== "hello, Ada") {
        throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
    }
}

async function main() {
    const seconds = Number(secondsText);
    const inFlight = Number(inFlightText);
    await one(); // the first connection, outside the timing
    let done = 0;
    const started = process.hrtime.bigint();
    const until = started + BigInt(Math.round(seconds * 1e9));
    const workers = Array.from({ length: inFlight }, async () => {
        while (process.hrtime.bigint() < until) {
            await one();
            done += 1;
        }
    });
    await Promise.all(workers);
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`result ${(done / elapsed).toFixed(1)} ${done}`);
}

main().catch((error) => {
    console.error(error.stack || String(error));
    process.exit(1);
});
