//! `async fn` handlers: the same parameters and returns, awaited by
//! `process_event` in place or by `process_event_async` on a runtime, with
//! the event context kept across `.await`.

use events_protocol::{Event, EventContext, EventError, Identity, Redirect, event_handler};
use serde::{Deserialize, Serialize};

use crate::{answer, call};

#[derive(Deserialize)]
struct Order {
    item: String,
    count: u32,
}

#[derive(Serialize)]
struct Placed {
    item: String,
    count: u32,
    #[serde(rename = "flowId")]
    flow_id: Option<String>,
}

#[event_handler(name = "test:async:order", version = 1)]
async fn place(order: Order) -> Result<Placed, EventError> {
    tokio::task::yield_now().await;
    if order.count == 0 {
        return Err(EventError::bad_request("EMPTY_ORDER"));
    }
    Ok(Placed {
        item: order.item,
        count: order.count,
        // the context is the request's after the `.await`, on whichever thread
        flow_id: EventContext::current().map(|context| context.flow_id().to_owned()),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_handler_is_awaited_with_its_context() {
    let answer_text = events_protocol::process_event_async(
        r#"{"name":"test:async:order","version":1,"id":"i-1","flowId":"f-1","payload":{"item":"tea","count":2}}"#,
    )
    .await;
    assert_eq!(
        answer_text,
        answer(
            "test:async:order:response",
            r#"{"item":"tea","count":2,"flowId":"f-1"}"#
        )
    );
}

#[test]
fn an_async_handler_is_driven_by_the_blocking_processor() {
    assert_eq!(
        call("test:async:order", r#"{"item":"tea","count":0}"#),
        answer(
            "test:async:order:badRequest",
            r#"{"code":"EMPTY_ORDER","parameters":{}}"#
        )
    );
}

#[test]
fn an_async_handler_s_payload_is_checked_before_it_runs() {
    assert_eq!(
        call("test:async:order", r#"{"item":"tea"}"#),
        answer(
            "test:async:order:badRequest",
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"missing","message":"missing field `count`","name":"count"}]}}"#
        )
    );
}

#[derive(Deserialize)]
struct Caller {
    #[serde(rename = "userId")]
    user_id: u64,
}

#[event_handler(name = "test:async:views", version = 1)]
async fn views(event: &Event<'_>, Identity(caller): Identity<Caller>) -> Redirect {
    tokio::task::yield_now().await;
    Redirect::to(format!("https://example.com/{}", caller.user_id)).with_query("from", event.name())
}

#[test]
fn an_async_handler_takes_views_and_returns_any_form() {
    let answer_text = events_protocol::process_event(
        r#"{"name":"test:async:views","version":1,"id":"i-1","flowId":"f-1","identity":{"userId":3}}"#,
    );
    assert_eq!(
        answer_text,
        answer(
            "test:async:views:redirect",
            r#"{"url":"https://example.com/3","queryParameters":{"from":"test:async:views"}}"#
        )
    );
}

#[test]
fn an_async_handler_stays_an_async_function() {
    let placed = futures_executor::block_on(place(Order {
        item: "tea".to_owned(),
        count: 1,
    }))
    .map(|placed| serde_json::to_string(&placed));
    // called directly, outside the processor, there is no event context
    assert_eq!(
        placed.ok().and_then(Result::ok).as_deref(),
        Some(r#"{"item":"tea","count":1,"flowId":null}"#)
    );
}
