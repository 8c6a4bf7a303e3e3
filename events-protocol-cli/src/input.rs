//! The event's arguments, read and checked before anything is sent: JSON
//! given as text, `@file` or `-` (standard input), headers `name: value`,
//! the URL; each mistake a [`Usage`] naming its argument.

use std::io::Read;

use events_protocol::client::{
    AsyncEventClient, Call, ClientBuildError, EventClient, EventClientBuilder, Untyped,
};
use serde_json::value::RawValue;

use crate::{EventArgs, Usage};

/// The event of the arguments, read and checked.
pub struct Event {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: i64,
    /// The `id` given.
    pub id: Option<String>,
    /// The `flowId` given.
    pub flow_id: Option<String>,
    /// The payload (`{}` when none is given).
    pub payload: Box<RawValue>,
    /// The `identity`, `auth` and `metadata` objects given.
    pub identity: Option<Box<RawValue>>,
    /// See [`Event::identity`].
    pub auth: Option<Box<RawValue>>,
    /// See [`Event::identity`].
    pub metadata: Option<Box<RawValue>>,
}

impl Event {
    /// Reads the payload and the objects of `args`.
    pub fn read(args: &EventArgs) -> Result<Event, Usage> {
        let payload = match &args.payload {
            Some(text) => json("PAYLOAD", text, true)?,
            None => json("PAYLOAD", "{}", false)?,
        };
        Ok(Event {
            name: args.name.clone(),
            version: args.version,
            id: args.id.clone(),
            flow_id: args.flow_id.clone(),
            payload,
            identity: object("--identity", args.identity.as_deref())?,
            auth: object("--auth", args.auth.as_deref())?,
            metadata: object("--metadata", args.metadata.as_deref())?,
        })
    }
}

/// A client builder of `args`' URL, timeout and headers (the headers are
/// every call's).
fn builder<C>(
    args: &EventArgs,
    new: fn(String) -> EventClientBuilder<C>,
) -> Result<EventClientBuilder<C>, Usage> {
    let mut builder = new(args.url.clone()).timeout(args.timeout.limit);
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(Usage::new(
                "--header",
                format!("`{header}` is not `name: value`"),
            ));
        };
        builder = builder.header(name.trim(), value.trim());
    }
    Ok(builder)
}

/// The blocking client of `args`.
pub fn client(args: &EventArgs) -> Result<EventClient, Usage> {
    builder(args, EventClient::builder)?
        .build()
        .map_err(build_error)
}

/// The async client of `args`.
pub fn async_client(args: &EventArgs) -> Result<AsyncEventClient, Usage> {
    builder(args, AsyncEventClient::builder)?
        .build()
        .map_err(build_error)
}

/// The blocking client of a URL alone, with a timeout.
pub fn catalog_client(url: &str, timeout: std::time::Duration) -> Result<EventClient, Usage> {
    EventClient::builder(url)
        .timeout(timeout)
        .build()
        .map_err(build_error)
}

/// The argument a client build error is about.
fn build_error(error: ClientBuildError) -> Usage {
    let argument = match &error {
        ClientBuildError::InvalidHeader { .. } => "--header",
        _ => "URL",
    };
    Usage::new(argument, error.to_string())
}

/// A JSON argument: `text` itself, the content of the file after `@`, or
/// with `stdin`, standard input for `-`.
fn json(argument: &'static str, text: &str, stdin: bool) -> Result<Box<RawValue>, Usage> {
    let text = if stdin && text == "-" {
        let mut buffer = Vec::new();
        std::io::stdin().read_to_end(&mut buffer).map_err(|error| {
            Usage::new(argument, format!("cannot read standard input: {error}"))
        })?;
        String::from_utf8(buffer)
            .map_err(|_| Usage::new(argument, "standard input is not UTF-8 text"))?
    } else if let Some(path) = text.strip_prefix('@') {
        let bytes = std::fs::read(path)
            .map_err(|error| Usage::new(argument, format!("cannot read `{path}`: {error}")))?;
        String::from_utf8(bytes)
            .map_err(|_| Usage::new(argument, format!("`{path}` is not UTF-8 text")))?
    } else {
        text.to_owned()
    };
    serde_json::from_str(&text)
        .map_err(|error| Usage::new(argument, format!("invalid JSON: {error}")))
}

/// An object argument (`--identity`, `--auth`, `--metadata`), when given.
fn object(argument: &'static str, text: Option<&str>) -> Result<Option<Box<RawValue>>, Usage> {
    let Some(text) = text else { return Ok(None) };
    let value = json(argument, text, false)?;
    if value.get().starts_with('{') {
        Ok(Some(value))
    } else {
        Err(Usage::new(argument, "not a JSON object"))
    }
}

impl Event {
    /// Its call by `client` (the blocking or the async one), every field
    /// given set: the payload, the objects, the `id` and `flowId`.
    pub fn call<'c, C>(&self, client: &'c C) -> Call<'c, Untyped, C>
    where
        C: Client,
    {
        let mut call = client
            .event(&self.name, self.version)
            .payload(&*self.payload);
        if let Some(identity) = &self.identity {
            call = call.identity(&**identity);
        }
        if let Some(auth) = &self.auth {
            call = call.auth(&**auth);
        }
        if let Some(metadata) = &self.metadata {
            call = call.metadata(&**metadata);
        }
        if let Some(id) = &self.id {
            call = call.id(id.as_str());
        }
        if let Some(flow_id) = &self.flow_id {
            call = call.flow_id(flow_id.as_str());
        }
        call
    }
}

/// Either client: what starts a [`Call`].
pub trait Client: Sized {
    /// `client.event(name, version)`.
    fn event(&self, name: &str, version: i64) -> Call<'_, Untyped, Self>;
}

impl Client for EventClient {
    fn event(&self, name: &str, version: i64) -> Call<'_, Untyped, Self> {
        EventClient::event(self, name, version)
    }
}

impl Client for AsyncEventClient {
    fn event(&self, name: &str, version: i64) -> Call<'_, Untyped, Self> {
        AsyncEventClient::event(self, name, version)
    }
}
