//! Name resolution for the client: an address written in the URL
//! (`http://127.0.0.1:8080/events`) is used as it is.
//!
//! ureq's default resolver asks the system for every call, on a thread of its
//! own whenever a timeout is set (and the client always sets one): a thread
//! per call, even for an IP address. Services of a fleet usually call each
//! other by address or through a local proxy, so the literal case is worth
//! its shortcut; host names still go to the system resolver, within the
//! call's timeout.

use std::net::{IpAddr, SocketAddr};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Uses an IP address written in the URL as it is; asks the system for a
/// host name.
#[derive(Debug, Default)]
pub(crate) struct LiteralFirst {
    system: DefaultResolver,
}

impl Resolver for LiteralFirst {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        match literal_address(uri) {
            Some(address) => {
                let mut addresses = self.empty();
                addresses.push(address);
                Ok(addresses)
            }
            None => self.system.resolve(uri, config, timeout),
        }
    }
}

/// The socket address of a URL whose host is an IP address, with its port or
/// the scheme's default one.
fn literal_address(uri: &Uri) -> Option<SocketAddr> {
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = host.parse().ok()?;
    let port = match (uri.port_u16(), uri.scheme_str()) {
        (Some(port), _) => port,
        (None, Some("http")) => 80,
        (None, Some("https")) => 443,
        (None, _) => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(url: &str) -> Option<SocketAddr> {
        literal_address(&url.parse::<Uri>().expect("a URI"))
    }

    #[test]
    fn ip_addresses_are_used_as_written() {
        assert_eq!(
            address("http://127.0.0.1:8080/events"),
            Some(([127, 0, 0, 1], 8080).into())
        );
        assert_eq!(
            address("http://10.1.2.3/events"),
            Some(([10, 1, 2, 3], 80).into())
        );
        assert_eq!(
            address("https://10.1.2.3/events"),
            Some(([10, 1, 2, 3], 443).into())
        );
        assert_eq!(
            address("http://[::1]:9000/events"),
            Some(SocketAddr::new(
                IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]),
                9000
            ))
        );
    }

    #[test]
    fn host_names_go_to_the_system() {
        assert_eq!(address("http://localhost:8080/events"), None);
        assert_eq!(address("http://events.internal/events"), None);
    }
}
