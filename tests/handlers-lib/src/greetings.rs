//! An `async` handler in a second module.

use ep::{EventContext, event_handler};
use serde::{Deserialize, Serialize};

/// Whom to greet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Greet {
    /// Their name.
    pub name: String,
}

/// A greeting, with the flow it was made in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    /// The greeting.
    pub text: String,
    /// The request's flow id.
    #[serde(rename = "flowId")]
    pub flow_id: String,
}

/// Greets, asynchronously.
#[event_handler(name = "greeting:say", version = 3, crate = "::ep")]
pub async fn say(greet: Greet, context: EventContext) -> Greeting {
    Greeting {
        text: format!("hello, {}", greet.name),
        flow_id: context.flow_id().to_owned(),
    }
}
