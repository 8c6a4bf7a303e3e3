//! One suite of the events endpoint over real HTTP (`suite.rs`), run against
//! each way this repository serves it: the `axum` routes, the `tower`
//! service over hyper 1.x as `examples/hyper.rs` serves it, and the `tower`
//! service served by `events_protocol::serve`.

#[path = "../support/axum_server.rs"]
mod axum_server;

#[path = "../../examples/hyper.rs"]
#[allow(dead_code, reason = "its `main` is the example's, not the test's")]
mod hyper_example;

/// A server answering on a free loopback port until dropped.
type Server = axum_server::Served;

/// The `axum` routes of [`events_protocol::axum::routes`].
mod axum_routes {
    use super::Server;

    /// Serves `processor` over the `axum` routes.
    fn serve(processor: events_protocol::Processor) -> Server {
        Server::start(events_protocol::axum::routes(processor))
    }

    include!("suite.rs");
}

/// The `tower` service over hyper 1.x, with the accept loop of
/// `examples/hyper.rs` itself.
mod hyper_service {
    use super::{Server, hyper_example};

    /// Serves `processor` as the hyper example does.
    fn serve(processor: events_protocol::Processor) -> Server {
        let service = events_protocol::service::EventsService::new(processor);
        Server::start_with(|listener| hyper_example::serve(listener, service))
    }

    include!("suite.rs");
}

/// The `tower` service served by `events_protocol::serve`, at its defaults.
mod serve_helper {
    use super::Server;

    /// Serves `processor` with `events_protocol::serve`.
    fn serve(processor: events_protocol::Processor) -> Server {
        let service = events_protocol::service::EventsService::new(processor);
        Server::start_with(|listener| async move {
            let _ = events_protocol::serve::serve(listener, service).await;
        })
    }

    include!("suite.rs");
}
