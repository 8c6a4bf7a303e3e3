//! `events list` and `events describe`: the service's catalog
//! (PROTOCOL.md §9), as a table of its events or one event's documentation
//! and schemas.

use std::fmt::Write as _;
use std::time::Duration;

use events_protocol::catalog::{Catalog, CatalogEvent};
use events_protocol::client::CatalogError;
use serde_json::Value;

use crate::Status;
use crate::input;
use crate::send::class;
use crate::style::{ColorChoice, Palette, Role};

/// Prints the table of the events the service at `url` serves.
pub fn list(url: &str, timeout: Duration, color: ColorChoice) -> Status {
    let catalog = match read(url, timeout, color) {
        Ok(catalog) => catalog,
        Err(status) => return status,
    };
    let palette = Palette::for_stdout(color);
    if catalog.events.is_empty() {
        println!("{url} serves no events");
        return Status::Success;
    }
    let rows: Vec<[String; 4]> = catalog
        .events
        .iter()
        .map(|event| {
            [
                event.name.clone(),
                event.version.to_string(),
                event.kind.to_string(),
                summary(event.doc.as_deref()),
            ]
        })
        .collect();
    let heading = ["EVENT", "VERSION", "KIND", "DOC"].map(str::to_owned);
    let mut widths = [0; 3];
    for row in std::iter::once(&heading).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (index, row) in std::iter::once(&heading).chain(&rows).enumerate() {
        let mut line = String::new();
        for (width, cell) in widths.iter().zip(row) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        line.push_str(&row[3]);
        let line = line.trim_end();
        if index == 0 {
            out.push_str(&palette.paint(Role::Strong, line));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    print!("{out}");
    Status::Success
}

/// Prints the documentation and schemas of the event `name` (of `version`,
/// else of every version served).
pub fn describe(
    url: &str,
    name: &str,
    version: Option<i64>,
    timeout: Duration,
    color: ColorChoice,
) -> Status {
    let catalog = match read(url, timeout, color) {
        Ok(catalog) => catalog,
        Err(status) => return status,
    };
    let versions: Vec<&CatalogEvent> = catalog
        .events
        .iter()
        .filter(|event| event.name == name)
        .collect();
    let chosen: Vec<&CatalogEvent> = versions
        .iter()
        .copied()
        .filter(|event| version.is_none_or(|version| event.version == version))
        .collect();
    if chosen.is_empty() {
        match (version, versions.is_empty()) {
            (Some(version), false) => {
                let served: Vec<String> = versions.iter().map(|e| e.version.to_string()).collect();
                eprintln!(
                    "events: {url} does not serve version {version} of {name} (it serves version {})",
                    served.join(", ")
                );
            }
            _ => eprintln!(
                "events: {url} does not serve {name} (`events list {url}` lists what it serves)"
            ),
        }
        return Status::ErrorEvent;
    }
    let palette = Palette::for_stdout(color);
    let described: Vec<String> = chosen
        .iter()
        .map(|event| description(event, palette))
        .collect();
    println!("{}", described.join("\n\n"));
    Status::Success
}

/// One event, described.
fn description(event: &CatalogEvent, palette: Palette) -> String {
    let schema = |schema: &Option<Value>| match schema {
        Some(schema) => palette.json(&schema.to_string()),
        None => palette.paint(Role::Faint, "none"),
    };
    format!(
        "{} version {} ({})\n\n{}\n\n{}\n{}\n\n{}\n{}",
        palette.paint(Role::Strong, &event.name),
        event.version,
        event.kind,
        match &event.doc {
            Some(doc) => doc.clone(),
            None => palette.paint(Role::Faint, "no documentation"),
        },
        palette.paint(Role::Strong, "payload schema:"),
        schema(&event.payload_schema),
        palette.paint(Role::Strong, "response schema:"),
        schema(&event.response_schema),
    )
}

/// The longest summary `list` shows, in characters.
const SUMMARY: usize = 72;

/// A documentation's first sentence (of its first paragraph, on one line),
/// cut at a word under [`SUMMARY`] characters; `-` for none.
fn summary(doc: Option<&str>) -> String {
    let Some(doc) = doc else {
        return String::from("-");
    };
    let paragraph: Vec<&str> = doc
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    let paragraph = paragraph.join(" ");
    let sentence = match paragraph.find(". ") {
        Some(end) => &paragraph[..=end],
        None => paragraph.as_str(),
    };
    if sentence.chars().count() <= SUMMARY {
        return sentence.to_owned();
    }
    let mut cut = String::new();
    for word in sentence.split(' ') {
        if cut.chars().count() + word.chars().count() + 4 > SUMMARY {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    cut.push_str(" ...");
    cut
}

/// The catalog of the service at `url`, or the status of why there is none,
/// reported.
fn read(url: &str, timeout: Duration, color: ColorChoice) -> Result<Catalog, Status> {
    let client = input::catalog_client(url, timeout).map_err(|usage| usage.report())?;
    client.catalog().map_err(|error| {
        let palette = Palette::for_stderr(color);
        let (status, line) = match &error {
            CatalogError::Send(error) => (
                Status::Transport,
                format!(
                    "{} ({}): {error}",
                    palette.paint(Role::Bad, "transport failure"),
                    class(error.failure())
                ),
            ),
            error if error.is_not_served() => (
                Status::NoCatalog,
                format!(
                    "{url} does not serve a catalog ({error}): serving it is opt-in (PROTOCOL.md §9)"
                ),
            ),
            CatalogError::NotACatalog { .. } => (
                Status::NoCatalog,
                format!("{url} does not serve a catalog: {error}"),
            ),
            other => (
                Status::Transport,
                format!(
                    "{} (failed dependency): {other}",
                    palette.paint(Role::Bad, "transport failure")
                ),
            ),
        };
        eprintln!("events: {}", line.replace(['\n', '\r'], " "));
        status
    })
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn summary_is_the_first_sentence_cut_at_a_word() {
        assert_eq!(summary(None), "-");
        assert_eq!(summary(Some("Says hello.\n\nMore.")), "Says hello.");
        assert_eq!(summary(Some("One. Two.")), "One.");
        assert_eq!(
            summary(Some(
                "A typed payload in, a typed payload out: `{\"name\":\"Ada\"}` is answered\n`{\"greeting\":\"hello, Ada\"}`."
            )),
            "A typed payload in, a typed payload out: `{\"name\":\"Ada\"}` is answered ..."
        );
    }
}
