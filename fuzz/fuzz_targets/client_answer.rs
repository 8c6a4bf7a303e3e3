//! Arbitrary bytes as the body of an HTTP answer, read by the client's
//! classification (`Answer::from_http`): it must never panic, and what it
//! accepts as an answer must write back to an event it accepts again.

#![no_main]

use events_protocol::{Answer, Event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // the first two bytes choose the status, the rest is the body
    let (status, body) = match input {
        [high, low, body @ ..] => (100 + u16::from_be_bytes([*high, *low]) % 500, body),
        _ => (200, input),
    };
    if let Ok(answer) = Answer::from_http(status, body) {
        let text = answer.event().to_json();
        let again = Event::from_json(&text).map(Event::into_owned);
        match again.map(Answer::from_event) {
            Ok(Ok(reread)) => assert_eq!(reread, answer, "{text}"),
            other => panic!("an accepted answer did not read back: {other:?}: {text}"),
        }
    }
});
