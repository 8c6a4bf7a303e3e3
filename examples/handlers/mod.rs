//! The example handlers, served by `examples/server.rs` (over `axum`) and by
//! `examples/tiny_http.rs` (over a synchronous HTTP server): each is one
//! `#[event_handler]` function, found at link time, whatever serves it.
//!
//! | event | version | shows |
//! |---|---|---|
//! | `greeting:say` | 1 | a typed payload in, a typed payload out |
//! | `account:withdraw` | 1 | a typed error, turned into an error event |
//! | `page:home:open` | 1 | a redirect |
//! | `user:profile:get` | 1 | the caller's identity, read as a typed view |
//! | `report:build` | 1 | an `async` handler, and the event context |
//! | `greeting:relay` | 1 | an `async` call to another event through the async client |
//!
//! Each handler's `///` text and the JSON Schemas of its payload and answer
//! (the types derive `schemars::JsonSchema`) are in the catalog the example
//! server serves at `GET /events/catalog` (`events list`, `events describe`).
//!
//! The handlers that only compute are declared `inline`: they never block, so
//! the `axum` route runs them in place instead of handing them to the
//! blocking pool. `greeting:relay` is `async`: the route awaits it in place
//! too, on the server's Tokio runtime, which its client needs (served by
//! `tiny_http`, with no runtime, it answers `UNHANDLED_ERROR`).

use events_protocol::client::{AsyncEventClient, ClientBuildError};
use events_protocol::{
    EventContext, EventError, Identity, Processor, Redirect, State, event_handler,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The payload of `greeting:say` and `greeting:relay`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Hello {
    /// Who to greet.
    pub name: String,
}

/// The answer of `greeting:say` and `greeting:relay`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Greeting {
    /// The greeting.
    pub greeting: String,
}

/// A typed payload in, a typed payload out: `{"name":"Ada"}` is answered
/// `{"greeting":"hello, Ada"}`; a payload without `name` is answered
/// `badRequest` with the code `MISSING_FIELDS` before this runs.
#[event_handler(name = "greeting:say", version = 1, inline)]
pub fn say_hello(hello: Hello) -> Greeting {
    Greeting {
        greeting: format!("hello, {}", hello.name),
    }
}

/// The payload of `account:withdraw`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Withdrawal {
    /// How much to take out.
    pub amount: u64,
}

/// The answer of `account:withdraw`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Balance {
    /// What is left.
    pub balance: u64,
}

/// Why a withdrawal is refused: the handler's own error type.
#[derive(Debug)]
pub enum WithdrawError {
    /// More than the balance was asked for.
    InsufficientFunds {
        /// The balance.
        balance: u64,
    },
    /// Nothing was asked for.
    ZeroAmount,
}

/// How each refusal is written on the wire.
impl From<WithdrawError> for EventError {
    fn from(error: WithdrawError) -> EventError {
        match error {
            WithdrawError::InsufficientFunds { balance } => {
                EventError::forbidden("INSUFFICIENT_FUNDS").with("balance", balance)
            }
            WithdrawError::ZeroAmount => EventError::bad_request("ZERO_AMOUNT"),
        }
    }
}

/// The balance of the example's one account.
const BALANCE: u64 = 100;

/// A typed error: `{"amount":500}` is answered `account:withdraw:forbidden`
/// with `{"code":"INSUFFICIENT_FUNDS","parameters":{"balance":100}}`.
#[event_handler(name = "account:withdraw", version = 1, inline)]
pub fn withdraw(withdrawal: Withdrawal) -> Result<Balance, WithdrawError> {
    match withdrawal.amount {
        0 => Err(WithdrawError::ZeroAmount),
        amount if amount > BALANCE => Err(WithdrawError::InsufficientFunds { balance: BALANCE }),
        amount => Ok(Balance {
            balance: BALANCE - amount,
        }),
    }
}

/// A redirect: answered `page:home:open:redirect` with
/// `{"url":"https://example.com/home","queryParameters":{"tab":"news"}}`.
#[event_handler(name = "page:home:open", version = 1, inline)]
pub fn open_home() -> Redirect {
    Redirect::to("https://example.com/home").with_query("tab", "news")
}

/// Who calls, read from the request's `identity`.
#[derive(Debug, Deserialize)]
pub struct Caller {
    /// `identity.userId`.
    #[serde(rename = "userId")]
    pub user_id: u64,
}

/// The answer of `user:profile:get`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Profile {
    /// The user's id.
    #[serde(rename = "userId")]
    pub user_id: u64,
    /// The user's name.
    pub name: String,
}

/// Identity use: `"identity":{"userId":42}` is answered with Ada's profile,
/// any other user `notFound`, and an identity without `userId` `badRequest`
/// (`identity.userId` missing).
#[event_handler(name = "user:profile:get", version = 1, inline)]
pub fn get_profile(Identity(caller): Identity<Caller>) -> Result<Profile, EventError> {
    match caller.user_id {
        42 => Ok(Profile {
            user_id: 42,
            name: "Ada".to_owned(),
        }),
        other => Err(EventError::not_found("USER_NOT_FOUND").with("userId", other)),
    }
}

/// The payload of `report:build`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ReportRequest {
    /// How many rows to put in the report.
    pub rows: u32,
}

/// The answer of `report:build`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// The rows.
    pub rows: Vec<String>,
    /// The flow the report was built in: the event context, still current
    /// after the `.await`.
    #[serde(rename = "flowId")]
    pub flow_id: Option<String>,
}

/// An `async` handler: the `axum` route awaits it in place, `process_event`
/// drives it on the calling thread. It awaits only runtime-independent
/// futures, so both can serve it.
#[event_handler(name = "report:build", version = 1)]
pub async fn build_report(request: ReportRequest) -> Report {
    let rows = load_rows(request.rows.min(10)).await;
    Report {
        rows,
        flow_id: EventContext::current().map(|context| context.flow_id().to_owned()),
    }
}

/// Stands for an `async` query to a database.
async fn load_rows(count: u32) -> Vec<String> {
    (1..=count).map(|row| format!("row {row}")).collect()
}

/// The processor that serves these handlers on `url` (the server's own
/// events URL): `greeting:relay` is given, as its state, an async client of
/// that URL.
///
/// # Errors
///
/// When `url` is not an events URL the client can call.
pub fn processor(url: &str) -> Result<Processor, ClientBuildError> {
    Ok(Processor::new().with_state(AsyncEventClient::new(url)?))
}

/// A call to another event through the async client: asks `greeting:say`
/// (on the URL of the client the processor was given, this very server in
/// the examples: see [`processor`]) and answers its greeting, shouted. The
/// call continues this event's flow: it carries the same `id` and `flowId`.
/// `?` answers a refusal of `greeting:say` as it was, and any other failure
/// as an `error` naming its class (`FAILED_DEPENDENCY`, ...), the detail
/// going to the log.
#[event_handler(name = "greeting:relay", version = 1)]
pub async fn relay(
    hello: Hello,
    State(client): State<AsyncEventClient>,
) -> Result<Greeting, EventError> {
    let greeting = client.call(&SayHelloRequest(hello)).await?;
    Ok(Greeting {
        greeting: greeting.greeting.to_uppercase(),
    })
}
