// The sample event through the JavaScript package's processor, in a loop:
// `JSON.stringify(await EventProcessor.processEvent(JSON.parse(body)))` of
// @guiabolsobr/events-protocol, with the README's handler written the
// package's way (`EventProcessor.addHandler(name, version, async handler)`,
// answered with `buildResponseEventFor`).
//
// The package's processor tries `require("aws-xray-sdk")` on every event and
// warns twice when it is absent (it is an optional dependency, not
// installed here): the warnings are silenced, as in tests/interop, and the
// failed `require` is left in, as every user without aws-xray-sdk runs it.
//
// Usage: node compare_javascript.js <node_modules> <event file> <rounds> <seconds per round>
//
// Prints the median events per second of elapsed time and per second of CPU
// time (all the process's threads) over the rounds on standard output; each
// round and one answer on standard error.

"use strict";

const fs = require("fs");
const path = require("path");

const [modules, eventFile, roundsText, secondsText] = process.argv.slice(2);
const pkg = path.join(modules, "@guiabolsobr", "events-protocol");
const { EventProcessor } = require(path.join(pkg, "server", "eventProcessor"));
const builder = require(path.join(pkg, "server", "responseEventBuilder"));

console.warn = () => {};

EventProcessor.addHandler("event:name", 1, async (event) =>
    builder.buildResponseEventFor(event, { MyEventPayload: event.payload.example }),
);

async function processOne(body) {
    return JSON.stringify(await EventProcessor.processEvent(JSON.parse(body)));
}

function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
    const body = fs.readFileSync(eventFile, "utf8").trim();
    const rounds = Number(roundsText);
    const seconds = Number(secondsText);
    const answer = await processOne(body);
    const parsed = JSON.parse(answer);
    if (parsed.name !== "event:name:response" || parsed.payload.MyEventPayload !== "hello") {
        throw new Error(`unexpected answer ${answer}`);
    }
    process.stderr.write(`javascript answer: ${answer}\n`);
    const rates = [];
    const cpuRates = [];
    for (let round = 1; round <= rounds; round += 1) {
        let events = 0;
        const cpuStarted = process.cpuUsage();
        const started = process.hrtime.bigint();
        let elapsed = 0;
        for (;;) {
            for (let i = 0; i < 100; i += 1) {
                await processOne(body);
            }
            events += 100;
            elapsed = Number(process.hrtime.bigint() - started) / 1e9;
            if (elapsed >= seconds) {
                break;
            }
        }
        const cpu = process.cpuUsage(cpuStarted);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        rates.push(events / elapsed);
        cpuRates.push(events / cpuSeconds);
        process.stderr.write(
            `javascript round ${round}: ${(events / elapsed).toFixed(0)} events/s, ` +
                `${(events / cpuSeconds).toFixed(0)} per CPU-second\n`,
        );
    }
    process.stdout.write(`${median(rates).toFixed(0)} ${median(cpuRates).toFixed(0)}\n`);
}

main().catch((error) => {
    process.stderr.write(`javascript: ${error.stack || error}\n`);
    process.exit(1);
});
