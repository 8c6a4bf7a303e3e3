// The JavaScript package's client (@guiabolsobr/events-protocol 1.0.1-2:
// `createEvent` and `generateFetchEvent`, over Node's `fetch`) calls our
// `examples/server.rs` and, for the same events, the package's own
// `EventProcessor` served by `http` in this process. Each answer must be
// classified the same way: resolved (success or redirect, by the name's last
// chunk) or rejected with the package's `EventError` (its `code` the name's
// last chunk, its `payload.code` the error's code).
//
// The package names its own not-found answer `eventNotFound` with the code
// `NO_EVENT_HANDLER_FOUND` (the Kotlin reference's form), where our server
// answers `<name>:notFound` / `EVENT_NOT_FOUND` (PROTOCOL.md §5): for that
// case only the classification, a rejection with an `EventError`, must match.
//
// Usage: node foreign_clients.js <node_modules folder> <our base URL>

"use strict";

const http = require("http");
const path = require("path");

const modules = process.argv[2];
const oursBase = process.argv[3];
const pkg = path.join(modules, "@guiabolsobr", "events-protocol");
const events = require(path.join(pkg, "client", "events"));
const { EventProcessor } = require(path.join(pkg, "server", "eventProcessor"));
const builder = require(path.join(pkg, "server", "responseEventBuilder"));

// the package's processor warns on every call that aws-xray-sdk is absent
console.warn = () => {};

// The package's own implementation of the example server's events.
EventProcessor.addHandler("greeting:say", 1, async (event) =>
    builder.buildResponseEventFor(event, { greeting: `hello, ${event.payload.name}` }),
);
EventProcessor.addHandler("account:withdraw", 1, async (event) =>
    builder.buildResponseEventErrorFor(event, builder.Forbidden, {
        code: "INSUFFICIENT_FUNDS",
        parameters: { balance: 100 },
    }),
);
EventProcessor.addHandler("page:home:open", 1, async (event) => ({
    ...builder.buildResponseEventFor(event, {
        url: "https://example.com/home",
        queryParameters: { tab: "news" },
    }),
    name: `${event.name}:redirect`,
}));

function serveOwn() {
    const server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", async () => {
            const answer = await EventProcessor.processEvent(JSON.parse(body));
            response.writeHead(200, { "Content-Type": "application/json" });
            response.end(JSON.stringify(answer));
        });
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve(server)),
    );
}

async function classify(base, name, payload) {
    const event = events.createEvent(
        {
            name,
            version: 1,
            payload,
            auth: { token: "interop" },
            metadata: { origin: "interop" },
            identity: {},
        },
        // the default reads window.sessionStorage, which Node has not
        { localUuidResolver: () => "interop-session" },
    );
    const fetchEvent = events.generateFetchEvent({ hostname: base });
    try {
        const answer = await fetchEvent(event, true);
        const kind = events.getEventLastChunk(answer.name) === "redirect" ? "redirect" : "success";
        return { classified: { kind, type: null, code: null }, payload: answer.payload };
    } catch (error) {
        // the package's EventError is compiled to ES5, where `instanceof` a
        // subclass of Error is false: it is told apart by its fields, a
        // `payload` beside the `code` (an HttpError has a `response`)
        if (error && error.payload !== undefined && error.response === undefined) {
            return {
                classified: { kind: "error", type: error.code, code: error.payload.code },
                payload: error.payload,
            };
        }
        return { classified: { kind: "transport", type: String(error), code: null }, payload: null };
    }
}

async function main() {
    const own = await serveOwn();
    const ownBase = `http://127.0.0.1:${own.address().port}`;
    const cases = [
        ["success", "greeting:say", { name: "Ada" }, { greeting: "hello, Ada" }, true],
        ["redirect", "page:home:open", {}, { url: "https://example.com/home", queryParameters: { tab: "news" } }, true],
        ["error", "account:withdraw", { amount: 500 }, { code: "INSUFFICIENT_FUNDS", parameters: { balance: 100 } }, true],
        ["not found", "no:such_thing:get", {}, null, false],
    ];
    let failures = 0;
    for (const [label, name, payload, expectedPayload, exact] of cases) {
        const ours = await classify(oursBase, name, payload);
        const theirs = await classify(ownBase, name, payload);
        let same = exact
            ? JSON.stringify(ours.classified) === JSON.stringify(theirs.classified)
            : ours.classified.kind === theirs.classified.kind;
        if (expectedPayload !== null && JSON.stringify(ours.payload) !== JSON.stringify(expectedPayload)) {
            same = false;
        }
        console.log(
            `javascript client, ${label.padEnd(9)} ${name.padEnd(18)} ours ${JSON.stringify(ours.classified)} ` +
                `own ${JSON.stringify(theirs.classified)}: ${same ? "same" : "DIFFERENT"}`,
        );
        if (!same) {
            console.log(`  our payload: ${JSON.stringify(ours.payload)}`);
            failures += 1;
        }
    }
    own.close();
    if (failures) {
        console.log(`javascript client: ${failures} case(s) classified differently`);
        process.exit(1);
    }
}

main().catch((error) => {
    console.log(`javascript client: ${error.stack || error}`);
    process.exit(1);
});
