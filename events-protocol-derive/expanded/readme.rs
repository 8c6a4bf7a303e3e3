fn my_event(payload: MyEvent) -> MyEventResponse {
    MyEventResponse {
        my_event_payload: payload.example,
    }
}
/// The request of the handler `my_event`: the event `event:name`, version 1, holding its payload. Written by `#[event_handler]`.
#[allow(dead_code)]
struct MyEventRequest(pub MyEvent);
const _: () = {
    use ::events_protocol::__private_0_1_0 as __ep;
    fn __handler(__event: &__ep::Event<'_>) -> __ep::Response {
        let payload: MyEvent = __ep::read!(__ep::payload(__event));
        __ep::answer!(my_event(payload))
    }
    fn __payload_schema() -> ::core::option::Option<__ep::serde_json::Value> {
        __ep::schema!(MyEvent)
    }
    fn __response_schema() -> ::core::option::Option<__ep::serde_json::Value> {
        __ep::schema!(MyEventResponse)
    }
    __ep::inventory::submit! {
        __ep::Registration::new("event:name", 1, __ep::HandlerFn::Blocking(__handler),
        ::core::file!(), ::core::line!()).with_payload_schema(__payload_schema)
        .with_response_schema(__response_schema)
    }
    impl __ep::EventRequest for MyEventRequest
    where
        for<'x> MyEvent: __ep::Serialize,
        for<'x> MyEventResponse: __ep::DeserializeOwned,
    {
        const NAME: &'static ::core::primitive::str = "event:name";
        const VERSION: ::core::primitive::i64 = 1;
        type Payload = MyEvent;
        type Response = MyEventResponse;
        fn payload(&self) -> &MyEvent {
            &self.0
        }
    }
};
