//! The catalog route (PROTOCOL.md §9, opt-in): `GET` answered with the
//! processor's [catalog](crate::catalog) as JSON.

use std::convert::Infallible;
use std::future::{Ready, ready};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;

use super::{ResponseBody, text};
use crate::Processor;

/// The catalog alone, as a [`tower_service::Service`]: `GET` (or `HEAD`) at
/// whatever path it is mounted is answered `200` with the
/// [catalog](crate::catalog) of its processor as JSON, any other method
/// `405` with `Allow: GET, HEAD`. The request's body is not read.
///
/// Mount it at the events path followed by `/catalog`
/// ([`CATALOG_PATH`](crate::catalog::CATALOG_PATH) for `/events`), where
/// clients look for it; [`EventsService::with_catalog`](super::EventsService::with_catalog)
/// does that for the service's own paths.
#[derive(Clone, Debug)]
pub struct CatalogService {
    processor: Processor,
}

impl CatalogService {
    /// The catalog of `processor`'s handlers.
    pub fn new(processor: Processor) -> CatalogService {
        CatalogService { processor }
    }
}

impl<B> tower_service::Service<Request<B>> for CatalogService {
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = Ready<Result<Response<ResponseBody>, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ready(Ok(answer(&self.processor, request.method())))
    }
}

/// The answer of the catalog path to a request of `method`.
pub(super) fn answer(processor: &Processor, method: &Method) -> Response<ResponseBody> {
    if method != Method::GET && method != Method::HEAD {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "the catalog is read with GET\n",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let mut response = Response::new(Full::new(Bytes::from(processor.catalog().to_json())));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
