//! How the app is reached: the URL browsers use (never a bind-all address), where they send
//! object bytes, and which reverse proxies may say who the client is.

use std::net::{IpAddr, SocketAddr};

use url::Url;

use super::{bad, ConfigError};

/// First path segments the app itself answers. The embedded store is served on the app's
/// origin under `/<bucket>/`, so its bucket may not be one of these.
pub const APP_PATHS: &[&str] = &[
    "api",
    "c",
    "cdn",
    "pkg",
    "library",
    "uploads",
    "collections",
    "people",
    "account",
    "invite",
    "login",
    "admin",
    "healthz",
    "favicon.svg",
];

/// A bucket name S3 and R2 accept.
pub fn validate_bucket(bucket: &str) -> Result<(), ConfigError> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(bad("VITRINE_S3_BUCKET", format!("'{bucket}' is not a valid bucket name (3-63 of a-z 0-9 . -)")))
    }
}

/// The bucket must not shadow a page when the store shares the app's origin.
pub fn check_bucket_path(bucket: &str) -> Result<(), ConfigError> {
    if APP_PATHS.contains(&bucket) {
        return Err(bad("VITRINE_S3_BUCKET", format!("'{bucket}' is a path of the app itself; choose another name")));
    }
    Ok(())
}

/// `VITRINE_TRUSTED_PROXIES`: addresses or networks (`127.0.0.1`, `10.0.0.0/8`, `::1`) whose
/// `X-Forwarded-For` is believed.
pub fn parse_trusted_proxies(raw: Option<&str>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| bad("VITRINE_TRUSTED_PROXIES", format!("'{part}' is not an address or a network")))
        })
        .collect()
}

/// The URL people open when `VITRINE_PUBLIC_BASE_URL` is not set: the bound address, except
/// that an address meaning "every interface" (`0.0.0.0`, `::`) is no address a browser can
/// use; then this machine's address on its outward interface (the one a packet to the internet
/// would leave by; nothing is sent), or loopback if it has none.
pub fn derived_base_url(bound: SocketAddr) -> Url {
    let ip = if bound.ip().is_unspecified() { outward_ip(bound.ip()) } else { bound.ip() };
    let host = match ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    };
    Url::parse(&format!("http://{host}:{}", bound.port())).expect("an address makes a URL")
}

fn outward_ip(unspecified: IpAddr) -> IpAddr {
    let (bind, probe): (SocketAddr, SocketAddr) = match unspecified {
        IpAddr::V4(_) => (([0, 0, 0, 0], 0).into(), ([192, 0, 2, 1], 9).into()),
        IpAddr::V6(_) => (
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
            ("2001:db8::1".parse::<std::net::Ipv6Addr>().expect("an address"), 9).into(),
        ),
    };
    // Connecting a UDP socket only picks a route; no packet leaves.
    std::net::UdpSocket::bind(bind)
        .and_then(|socket| socket.connect(probe).and_then(|_| socket.local_addr()))
        .map(|local| local.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(match unspecified {
            IpAddr::V4(_) => IpAddr::from([127, 0, 0, 1]),
            IpAddr::V6(_) => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        })
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address
/// in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_for.unwrap_or_default().split(',').map(str::trim).rev();
    for hop in hops {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bind_all_address_never_becomes_a_url() {
        let url = derived_base_url("0.0.0.0:3000".parse().unwrap());
        assert_ne!(url.host_str(), Some("0.0.0.0"));
        assert_eq!(url.port(), Some(3000));
        assert_eq!(derived_base_url("192.168.1.5:8080".parse().unwrap()).as_str(), "http://192.168.1.5:8080/");
        assert_ne!(derived_base_url("[::]:3000".parse().unwrap()).host_str(), Some("[::]"));
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = parse_trusted_proxies(Some("127.0.0.1, 10.0.0.0/8")).unwrap();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let real: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_ip(peer, Some("198.51.100.1, 203.0.113.9, 10.1.2.3"), &trusted), real);
        assert_eq!(client_ip(real, Some("198.51.100.1"), &trusted), real, "an untrusted peer cannot claim another");
        assert_eq!(client_ip(peer, None, &trusted), peer);
        assert_eq!(client_ip(peer, Some("garbage"), &trusted), peer);
        assert!(parse_trusted_proxies(Some("not-an-ip")).is_err());
        assert!(parse_trusted_proxies(None).unwrap().is_empty());
    }

    #[test]
    fn the_bucket_cannot_shadow_a_page() {
        assert!(check_bucket_path("library").is_err());
        assert!(check_bucket_path("vitrine").is_ok());
    }
}
