//! The `events` binary, as built, against real servers on 127.0.0.1: every
//! outcome and its exit status, `--raw` byte for byte, payloads from
//! standard input and files, the catalog, a short load, every bad input, and
//! colour only on a terminal.

mod support;

use std::io::Write;

use support::{
    Run, events, events_with_input, example_server, fixed_server, refused_url,
    server_without_catalog, silent_server,
};

/// The answer of `greeting:say` to Ada, as the example server writes it.
const HELLO_ADA: &str = r#"{"name":"greeting:say:response","version":1,"id":"i-1","flowId":"f-1","payload":{"greeting":"hello, Ada"},"identity":{},"auth":{},"metadata":{}}"#;

#[test]
fn a_success_prints_its_outcome_time_and_payload_and_exits_0() {
    let url = example_server();
    let run = Run::of(&events(&[
        "send",
        url,
        "greeting:say",
        "1",
        r#"{"name":"Ada"}"#,
    ]));
    assert_eq!(
        run,
        Run::expected(
            0,
            "success (greeting:say:response) in <time>\n{\n  \"greeting\": \"hello, Ada\"\n}\n",
            ""
        )
    );
}

#[test]
fn an_error_answer_prints_its_type_and_code_and_exits_1() {
    let url = example_server();
    let run = Run::of(&events(&[
        "send",
        url,
        "account:withdraw",
        "1",
        r#"{"amount":500}"#,
    ]));
    assert_eq!(
        run,
        Run::expected(
            1,
            concat!(
                "error forbidden, code INSUFFICIENT_FUNDS (account:withdraw:forbidden) in <time>\n",
                "{\n  \"code\": \"INSUFFICIENT_FUNDS\",\n  \"parameters\": {\n    \"balance\": 100\n  }\n}\n"
            ),
            ""
        )
    );
    // the answers the server gives by itself are error answers too
    let run = Run::of(&events(&["send", url, "no:such:event", "3"]));
    assert_eq!(
        run,
        Run::expected(
            1,
            concat!(
                "error notFound, code EVENT_NOT_FOUND (no:such:event:notFound) in <time>\n",
                "{\n  \"code\": \"EVENT_NOT_FOUND\",\n  \"parameters\": {\n",
                "    \"message\": \"Event Name no:such:event of version 3 was not found\",\n",
                "    \"event\": \"no:such:event\",\n    \"version\": 3\n  }\n}\n"
            ),
            ""
        )
    );
}

#[test]
fn a_redirect_prints_its_url_and_exits_3() {
    let url = example_server();
    let run = Run::of(&events(&["send", url, "page:home:open", "1"]));
    assert_eq!(
        run,
        Run::expected(
            3,
            concat!(
                "redirect to https://example.com/home (page:home:open:redirect) in <time>\n",
                "{\n  \"url\": \"https://example.com/home\",\n  \"queryParameters\": {\n    \"tab\": \"news\"\n  }\n}\n"
            ),
            ""
        )
    );
}

#[test]
fn raw_prints_the_answer_exactly_as_received() {
    let url = example_server();
    let output = events(&[
        "send",
        url,
        "greeting:say",
        "1",
        r#"{"name":"Ada"}"#,
        "--raw",
        "--id",
        "i-1",
        "--flow-id",
        "f-1",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout, HELLO_ADA.as_bytes());
    assert_eq!(output.stderr, b"");
    // an answer written otherwise than this library writes it: spacing, key
    // order, escapes and digits kept, byte for byte
    const ODD: &str = "{ \"payload\" : {\"z\":1.000000000000000000001, \"a\":\"\\u00e9\\n\"},\n  \"name\":\"x:y:gone\", \"version\":\"2\" }\r\n";
    let (odd, _) = fixed_server("200 OK", "application/json", ODD);
    let output = events(&["send", &odd, "x:y", "2", "--raw"]);
    assert_eq!(output.status.code(), Some(1), "an error answer");
    assert_eq!(output.stdout, ODD.as_bytes());
    assert_eq!(output.stderr, b"");
}

#[test]
fn every_field_of_the_event_is_sent_as_given() {
    let (url, seen) = fixed_server(
        "200 OK",
        "application/json",
        r#"{"name":"a:b:response","version":2,"payload":{}}"#,
    );
    let directory = std::env::temp_dir().join(format!("events-cli-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a folder");
    let auth = directory.join("auth.json");
    std::fs::File::create(&auth)
        .and_then(|mut file| file.write_all(b"{\"token\": \"t-1\"}\n"))
        .expect("the auth file");
    let auth = format!("@{}", auth.display());
    let run = Run::of(&events_with_input(
        &[
            "send",
            &url,
            "a:b",
            "2",
            "-",
            "--identity",
            r#"{"userId":7}"#,
            "--auth",
            &auth,
            "--metadata",
            r#"{"origin":"cli"}"#,
            "--id",
            "i-9",
            "--flow-id",
            "f-9",
            "-H",
            "x-team: blue",
            "--header",
            "X-Trace:  abc ",
        ],
        b"{\"rows\": [1, 2]}\n",
    ));
    assert_eq!(
        run,
        Run::expected(0, "success (a:b:response) in <time>\n{}\n", "")
    );
    let seen = seen.lock().expect("not poisoned");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].line, "POST /events HTTP/1.1");
    assert_eq!(
        seen[0].body,
        r#"{"name":"a:b","version":2,"id":"i-9","flowId":"f-9","payload":{"rows":[1,2]},"identity":{"userId":7},"auth":{"token":"t-1"},"metadata":{"origin":"cli"}}"#
    );
    let header = |name: &str| {
        seen[0]
            .headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(header("x-team").as_deref(), Some("blue"));
    assert_eq!(header("x-trace").as_deref(), Some("abc"));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn a_payload_from_standard_input_or_a_file_is_sent() {
    let url = example_server();
    let run = Run::of(&events_with_input(
        &["send", url, "report:build", "1", "-", "--flow-id", "flow-7"],
        b"{\"rows\": 2}",
    ));
    assert_eq!(
        run,
        Run::expected(
            0,
            "success (report:build:response) in <time>\n{\n  \"rows\": [\n    \"row 1\",\n    \"row 2\"\n  ],\n  \"flowId\": \"flow-7\"\n}\n",
            ""
        )
    );
    let file = std::env::temp_dir().join(format!("events-cli-payload-{}.json", std::process::id()));
    std::fs::write(&file, "{\"name\": \"Bo\"}\n").expect("the payload file");
    let output = events(&[
        "send",
        url,
        "greeting:say",
        "1",
        &format!("@{}", file.display()),
        "--raw",
        "--id",
        "i-1",
        "--flow-id",
        "f-1",
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        HELLO_ADA.replace("Ada", "Bo")
    );
}

#[test]
fn transport_failures_name_their_class_and_exit_4() {
    let refused = refused_url();
    let run = Run::of(&events(&["send", &refused, "greeting:say", "1"]));
    assert_eq!(
        run,
        Run::expected(
            4,
            "",
            &format!(
                "events: transport failure (failed dependency) after <time>: connection to {refused} failed: io: Connection refused (os error 111)\n"
            )
        )
    );

    let (status, _) = fixed_server("503 Service Unavailable", "text/plain", "draining\n");
    let run = Run::of(&events(&["send", &status, "greeting:say", "1"]));
    assert_eq!(
        run,
        Run::expected(
            4,
            "",
            "events: transport failure (failed dependency) after <time>: the server answered HTTP 503: draining\n"
        )
    );

    let (html, _) = fixed_server("200 OK", "text/html", "<html></html>");
    let output = events(&["send", &html, "greeting:say", "1", "--raw"]);
    let run = Run::of(&output);
    assert_eq!((run.status, run.stdout.as_str()), (4, ""));
    assert!(
        run.stderr.starts_with(
            "events: transport failure (bad protocol) after <time>: the server answered HTTP 200 with a body that is not an event: "
        ) && run.stderr.ends_with('\n')
            && run.stderr.lines().count() == 1,
        "{}",
        run.stderr
    );

    let (_listener, silent) = silent_server();
    let run = Run::of(&events(&[
        "send",
        &silent,
        "greeting:say",
        "1",
        "--timeout",
        "0.2",
    ]));
    assert_eq!(
        run,
        Run::expected(
            4,
            "",
            "events: transport failure (timeout) after <time>: no answer within 200ms (gave up after <time>)\n"
        )
    );
}

/// `events` with `args`: bad usage, one line naming the argument.
fn refused(args: &[&str], line: &str) {
    let run = Run::of(&events(args));
    assert_eq!(run, Run::expected(2, "", &format!("{line}\n")), "{args:?}");
}

#[test]
fn bad_input_is_one_line_naming_the_argument_and_exits_2() {
    let url = example_server();
    refused(
        &["send", url, "greeting:say", "1", "{\"name\":"],
        "events: PAYLOAD: invalid JSON: EOF while parsing a value at line 1 column 8",
    );
    refused(
        &[
            "send",
            url,
            "greeting:say",
            "1",
            "{}",
            "--identity",
            "{'a':1}",
        ],
        "events: --identity: invalid JSON: key must be a string at line 1 column 2",
    );
    refused(
        &["send", url, "greeting:say", "1", "{}", "--metadata", "[1]"],
        "events: --metadata: not a JSON object",
    );
    refused(
        &["send", url, "greeting:say", "1", "@/no/such/file.json"],
        "events: PAYLOAD: cannot read `/no/such/file.json`: No such file or directory (os error 2)",
    );
    refused(
        &[
            "send",
            url,
            "greeting:say",
            "1",
            "{}",
            "--auth",
            "@/no/such/auth.json",
        ],
        "events: --auth: cannot read `/no/such/auth.json`: No such file or directory (os error 2)",
    );
    refused(
        &["send", "127.0.0.1:8080/events", "greeting:say", "1"],
        "events: URL: `127.0.0.1:8080/events` is not an events URL: invalid format",
    );
    refused(
        &["send", "http:///events", "greeting:say", "1"],
        "events: URL: `http:///events` is not an events URL: invalid format",
    );
    refused(
        &["send", url, "greeting:say", "1", "-H", "no colon"],
        "events: --header: `no colon` is not `name: value`",
    );
    refused(
        &["send", url, "greeting:say", "1", "-H", "bad name: x"],
        "events: --header: invalid header `bad name`",
    );
    refused(
        &["send", url, "greeting:say", "1", "--timeout", "soon"],
        "events: invalid value 'soon' for '--timeout <SECONDS>': `soon` is not a number of seconds",
    );
    refused(
        &["send", url, "greeting:say", "one"],
        "events: invalid value 'one' for '<VERSION>': invalid digit found in string",
    );
    refused(
        &["bench", url, "greeting:say", "1", "-c", "0"],
        "events: invalid value '0' for '--connections <N>': 0 is not in 1..=1024",
    );
    refused(
        &["bench", url, "greeting:say", "1", "-d", "0"],
        "events: invalid value '0' for '--duration <SECONDS>': `0`: give a number of seconds above 0, at most 3600",
    );
    refused(
        &["list", "ftp://127.0.0.1/events"],
        "events: URL: `ftp://127.0.0.1/events` is not an events URL: the scheme is not `http` or `https`",
    );
    let run = Run::of(&events_with_input(
        &["send", url, "greeting:say", "1", "-"],
        b"\xff{}",
    ));
    assert_eq!(
        run,
        Run::expected(2, "", "events: PAYLOAD: standard input is not UTF-8 text\n")
    );
    let run = Run::of(&events_with_input(
        &["send", url, "greeting:say", "1", "-"],
        b"",
    ));
    assert_eq!(
        run,
        Run::expected(
            2,
            "",
            "events: PAYLOAD: invalid JSON: EOF while parsing a value at line 1 column 0\n"
        )
    );
}

#[test]
fn a_missing_argument_shows_the_usage_and_exits_2() {
    let run = Run::of(&events(&["send", "http://127.0.0.1:9/events"]));
    assert_eq!(
        run,
        Run::expected(
            2,
            "",
            concat!(
                "error: the following required arguments were not provided:\n",
                "  <NAME>\n  <VERSION>\n\n",
                "Usage: events send <URL> <NAME> <VERSION> [PAYLOAD]\n\n",
                "For more information, try '--help'.\n"
            )
        )
    );
}

#[test]
fn list_prints_the_catalog_as_a_table() {
    let url = example_server();
    let run = Run::of(&events(&["list", url]));
    assert_eq!(
        run,
        Run::expected(
            0,
            concat!(
                "EVENT             VERSION  KIND    DOC\n",
                "account:withdraw  1        inline  A typed error: `{\"amount\":500}` is answered ...\n",
                "greeting:relay    1        async   A call to another event through the async client: asks `greeting:say` ...\n",
                "greeting:say      1        inline  A typed payload in, a typed payload out: `{\"name\":\"Ada\"}` is answered ...\n",
                "page:home:open    1        inline  A redirect: answered `page:home:open:redirect` with ...\n",
                "report:build      1        async   An `async` handler: the `axum` route awaits it in place, ...\n",
                "user:profile:get  1        inline  Identity use: `\"identity\":{\"userId\":42}` is answered with Ada's ...\n",
            ),
            ""
        )
    );
}

#[test]
fn describe_prints_an_event_s_doc_and_schemas() {
    let url = example_server();
    let run = Run::of(&events(&["describe", url, "page:home:open", "1"]));
    assert_eq!(
        run,
        Run::expected(
            0,
            concat!(
                "page:home:open version 1 (inline)\n\n",
                "A redirect: answered `page:home:open:redirect` with\n",
                "`{\"url\":\"https://example.com/home\",\"queryParameters\":{\"tab\":\"news\"}}`.\n\n",
                "payload schema:\nnone\n\n",
                "response schema:\nnone\n",
            ),
            ""
        )
    );
    let run = Run::of(&events(&["describe", url, "greeting:say"]));
    assert_eq!(
        run,
        Run::expected(
            0,
            concat!(
                "greeting:say version 1 (inline)\n\n",
                "A typed payload in, a typed payload out: `{\"name\":\"Ada\"}` is answered\n",
                "`{\"greeting\":\"hello, Ada\"}`; a payload without `name` is answered\n",
                "`badRequest` with the code `MISSING_FIELDS` before this runs.\n\n",
                "payload schema:\n{\n",
                "  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n",
                "  \"description\": \"The payload of `greeting:say` and `greeting:relay`.\",\n",
                "  \"properties\": {\n    \"name\": {\n      \"description\": \"Who to greet.\",\n      \"type\": \"string\"\n    }\n  },\n",
                "  \"required\": [\n    \"name\"\n  ],\n",
                "  \"title\": \"Hello\",\n  \"type\": \"object\"\n}\n\n",
                "response schema:\n{\n",
                "  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n",
                "  \"description\": \"The answer of `greeting:say` and `greeting:relay`.\",\n",
                "  \"properties\": {\n    \"greeting\": {\n      \"description\": \"The greeting.\",\n      \"type\": \"string\"\n    }\n  },\n",
                "  \"required\": [\n    \"greeting\"\n  ],\n",
                "  \"title\": \"Greeting\",\n  \"type\": \"object\"\n}\n",
            ),
            ""
        )
    );
}

#[test]
fn describe_of_an_event_not_served_exits_1() {
    let url = example_server();
    let run = Run::of(&events(&["describe", url, "greeting:say", "2"]));
    assert_eq!(
        run,
        Run::expected(
            1,
            "",
            &format!(
                "events: {url} does not serve version 2 of greeting:say (it serves version 1)\n"
            )
        )
    );
    let run = Run::of(&events(&["describe", url, "greeting:shout"]));
    assert_eq!(
        run,
        Run::expected(
            1,
            "",
            &format!(
                "events: {url} does not serve greeting:shout (`events list {url}` lists what it serves)\n"
            )
        )
    );
}

#[test]
fn a_service_without_the_catalog_gets_a_clear_message_and_exit_5() {
    let url = server_without_catalog();
    for command in ["list", "describe"] {
        let mut args = vec![command, url];
        if command == "describe" {
            args.push("greeting:say");
        }
        let run = Run::of(&events(&args));
        assert_eq!(
            run,
            Run::expected(
                5,
                "",
                &format!(
                    "events: {url} does not serve a catalog (GET {url}/catalog answered HTTP 404): serving it is opt-in (PROTOCOL.md §9)\n"
                )
            ),
            "{command}"
        );
    }
    let refused = refused_url();
    let run = Run::of(&events(&["list", &refused]));
    assert_eq!(
        run,
        Run::expected(
            4,
            "",
            &format!(
                "events: transport failure (failed dependency): connection to {refused}/catalog failed: io: Connection refused (os error 111)\n"
            )
        )
    );
}

#[test]
fn a_short_bench_reports_rate_outcomes_and_percentiles() {
    let url = example_server();
    let run = Run::of(&events(&[
        "bench",
        url,
        "greeting:say",
        "1",
        r#"{"name":"Ada"}"#,
        "-c",
        "4",
        "-d",
        "60",
        "-n",
        "200",
    ]));
    assert_eq!(
        run,
        Run::expected(
            0,
            &format!(
                concat!(
                    "greeting:say version 1 at {url}: 4 connections, 1 thread\n",
                    "requests  200 in <time> (the cap of 200 requests): <rate> per second\n",
                    "outcomes  200 success, 0 redirect, 0 error, 0 transport failure\n",
                    "latency   p50 <time>, p90 <time>, p99 <time>, max <time>\n",
                ),
                url = url
            ),
            ""
        )
    );
    let run = Run::of(&events(&[
        "bench",
        url,
        "account:withdraw",
        "1",
        r#"{"amount":0}"#,
        "-n",
        "30",
        "-t",
        "2",
    ]));
    assert_eq!(
        run,
        Run::expected(
            0,
            &format!(
                concat!(
                    "account:withdraw version 1 at {url}: 16 connections, 2 threads\n",
                    "requests  30 in <time> (the cap of 30 requests): <rate> per second\n",
                    "outcomes  0 success, 0 redirect, 30 error, 0 transport failure\n",
                    "errors    30 badRequest\n",
                    "latency   p50 <time>, p90 <time>, p99 <time>, max <time>\n",
                ),
                url = url
            ),
            ""
        )
    );
}

#[test]
fn a_bench_of_an_unreachable_target_stops_at_once_and_exits_4() {
    let refused = refused_url();
    let run = Run::of(&events(&["bench", &refused, "greeting:say", "1"]));
    assert_eq!(
        run,
        Run::expected(
            4,
            "",
            &format!(
                "events: transport failure (failed dependency): connection to {refused} failed: client error (Connect)\n"
            )
        )
    );
}

/// Whether `bytes` hold an ANSI escape.
fn escapes(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
}

#[test]
fn output_to_a_pipe_has_no_colour() {
    let url = example_server();
    let refused = refused_url();
    for args in [
        vec!["send", url, "greeting:say", "1", r#"{"name":"Ada"}"#],
        vec!["send", url, "account:withdraw", "1", r#"{"amount":500}"#],
        vec!["send", &refused, "greeting:say", "1"],
        vec!["list", url],
        vec!["describe", url, "greeting:say"],
        vec!["bench", url, "greeting:say", "1", "-n", "20"],
    ] {
        let output = events(&args);
        assert!(
            !output.stdout.is_empty() || !output.stderr.is_empty(),
            "{args:?}"
        );
        assert!(
            !escapes(&output.stdout) && !escapes(&output.stderr),
            "{args:?}"
        );
    }
}

#[test]
fn colour_can_be_asked_for() {
    let url = example_server();
    let output = events(&[
        "--color",
        "always",
        "send",
        url,
        "greeting:say",
        "1",
        r#"{"name":"Ada"}"#,
    ]);
    assert_eq!(
        support::normalise(&String::from_utf8_lossy(&output.stdout)),
        "\u{1b}[1;32msuccess\u{1b}[0m (\u{1b}[1mgreeting:say:response\u{1b}[0m) in \u{1b}[2m<time>\u{1b}[0m\n{\n  \u{1b}[34m\"greeting\"\u{1b}[0m: \u{1b}[32m\"hello, Ada\"\u{1b}[0m\n}\n"
    );
}

/// `events args` on a pseudo-terminal (util-linux's `script`), with
/// `NO_COLOR` set or not: what it printed.
fn on_a_terminal(args: &str, no_color: Option<&str>) -> Vec<u8> {
    let mut command = std::process::Command::new("script");
    command
        .args([
            "-qec",
            &format!("{} {args}", env!("CARGO_BIN_EXE_events")),
            "/dev/null",
        ])
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null());
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let output = command.output().expect("`script` (util-linux) runs");
    assert!(output.status.success(), "{output:?}");
    output.stdout
}

#[test]
fn on_a_terminal_the_output_is_coloured_unless_no_color_is_set() {
    let url = example_server();
    let args = format!("send {url} greeting:say 1 '{{\"name\":\"Ada\"}}'");
    let coloured = on_a_terminal(&args, None);
    assert!(escapes(&coloured), "{}", String::from_utf8_lossy(&coloured));
    assert!(!escapes(&on_a_terminal(&args, Some("1"))));
    // an empty NO_COLOR is no wish
    assert!(escapes(&on_a_terminal(&args, Some(""))));
}
