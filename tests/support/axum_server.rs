//! The `axum` events route served on a free loopback port, for the
//! integration tests that drive it over real HTTP; it answers until dropped.

#![allow(dead_code, reason = "each test binary uses the part it needs")]

use std::net::SocketAddr;

/// A server answering on `127.0.0.1`, port chosen by the system.
pub struct Served {
    /// Where it listens.
    pub address: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Served {
    /// Serves `router` on a runtime of two worker threads.
    pub fn start(router: axum::Router) -> Served {
        Served::start_with(|listener| async move {
            let _ = axum::serve(listener, router).await;
        })
    }

    /// Serves the router `route` makes for the events URL it will answer on
    /// (for a processor whose handlers call the server itself).
    pub fn start_at(route: impl FnOnce(&str) -> axum::Router) -> Served {
        Served::start_with(|listener| {
            let url = listener
                .local_addr()
                .map(|address| format!("http://{address}/events"))
                .expect("the bound address");
            let router = route(&url);
            async move {
                let _ = axum::serve(listener, router).await;
            }
        })
    }

    /// Runs `serve` with a listener on a free loopback port, on a runtime of
    /// two worker threads.
    pub fn start_with<F, Fut>(serve: F) -> Served
    where
        F: FnOnce(tokio::net::TcpListener) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a free port");
        let address = listener.local_addr().expect("the bound address");
        runtime.spawn(serve(listener));
        Served {
            address,
            _runtime: runtime,
        }
    }

    /// The events URL.
    pub fn url(&self) -> String {
        format!("http://{}/events", self.address)
    }
}
