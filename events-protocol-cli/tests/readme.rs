//! The README's transcripts of `events` (its ```console blocks), run with
//! the built binary against the example server: each command prints what
//! the README says, durations, rates and a load's counts aside (a load runs
//! for one second).

mod support;

use support::{events_with_input, example_server, normalise, refused_url};

/// The main job's URL in the README, and a URL where nothing listens.
const README_URL: &str = "http://127.0.0.1:8080/events";
const README_REFUSED: &str = "http://127.0.0.1:8081/events";

/// One command of a transcript and what it printed.
struct Step {
    command: String,
    output: String,
}

/// Every `$ ` command of the README's console blocks, with its output.
fn transcripts() -> Vec<Step> {
    let readme = include_str!("../../README.md");
    let mut steps: Vec<Step> = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        match (inside, line) {
            (false, "```console") => inside = true,
            (true, "```") => inside = false,
            (true, line) => match line.strip_prefix("$ ") {
                Some(command) => steps.push(Step {
                    command: command.to_owned(),
                    output: String::new(),
                }),
                None => {
                    let step = steps.last_mut().expect("output after a command");
                    step.output.push_str(line);
                    step.output.push('\n');
                }
            },
            (false, _) => {}
        }
    }
    steps
}

/// The words of a command line: spaces separate them, single quotes keep
/// what they enclose.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// `text` with every count (`182,326`) replaced by `<n>`.
fn counts(text: &str) -> String {
    let mut out = String::new();
    let mut digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() || (digits && c == ',') {
            if !digits {
                out.push_str("<n>");
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out
}

#[test]
fn the_readme_transcripts_are_what_events_prints() {
    let url = example_server();
    let refused = refused_url();
    let steps = transcripts();
    assert!(steps.len() >= 10, "the README's transcripts are found");
    for step in steps {
        let (input, command) = match step.command.split_once(" | ") {
            Some((echo, command)) => {
                let text = words(echo).pop().expect("the echoed text");
                (format!("{text}\n"), command.to_owned())
            }
            None => (String::new(), step.command.clone()),
        };
        let mut args = words(&command);
        assert_eq!(args.remove(0), "events", "{}", step.command);
        let mut args: Vec<String> = args
            .into_iter()
            .map(|arg| {
                arg.replace(README_URL, url)
                    .replace(README_REFUSED, &refused)
            })
            .collect();
        // a load of the README runs for a second here: its report is the same
        if let Some(at) = args.iter().position(|arg| arg == "-d")
            && let Some(seconds) = args.get_mut(at + 1)
        {
            *seconds = String::from("1");
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = events_with_input(&args, input.as_bytes());
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .replace(url, README_URL)
        .replace(&refused, README_REFUSED);
        let (mut printed, mut expected) = (normalise(&printed), normalise(&step.output));
        if args.first() == Some(&"bench") {
            (printed, expected) = (counts(&printed), counts(&expected));
        }
        assert_eq!(printed.trim_end(), expected.trim_end(), "{}", step.command);
    }
}
