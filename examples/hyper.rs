//! The example handlers of `examples/handlers/` served with hyper 1.x and the
//! events endpoint as a `tower` service, no web framework:
//! `http://127.0.0.1:8081/events` (`--port` to change it; `0` picks a free
//! one). The accept loop is the bare one, to copy into a server of your own;
//! `events_protocol::serve` (as `examples/server.rs` uses it) adds the drain
//! on shutdown and the connection timeouts a fleet needs.
//!
//! ```text
//! cargo run --example hyper
//! cargo run --example hyper -- --port 9001
//! ```

mod handlers;

use std::error::Error;
use std::time::Duration;

use events_protocol::service::EventsService;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt().init();
    let port = match std::env::args().skip_while(|arg| arg != "--port").nth(1) {
        Some(port) => port.parse()?,
        None => 8081,
    };
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}/events", listener.local_addr()?);
    let processor = handlers::processor(&url)?;
    processor.check()?;
    tracing::info!(%url, "answering events");
    serve(listener, EventsService::new(processor)).await;
    Ok(())
}

/// Serves `service` on every connection `listener` accepts (HTTP/1.1, and
/// HTTP/2 for clients that ask for it), each on a task of its own.
pub async fn serve(listener: TcpListener, service: EventsService) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // out of file descriptors, say: wait a little instead of
                // spinning on the same error
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let connection = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(error) = connection {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}
