//! Network endpoints: `host:port` (the aggregator) and RPC URLs (chains).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::names::is_dns_subdomain_case_insensitive;

/// Checks `host:port`, where host is a DNS name, an IPv4 address or a
/// bracketed IPv6 address and port is 1..65535.
pub fn check_host_port(endpoint: &str) -> Result<(), String> {
    let expected =
        "expected host:port, e.g. aggregator.example.com:9090 (DNS name or IP, port 1-65535)";
    if endpoint.contains("://") {
        return Err(format!("{endpoint:?} has a URL scheme; {expected}"));
    }
    let Some((host, port)) = split_host_port(endpoint) else {
        return Err(format!("{endpoint:?} has no port; {expected}"));
    };
    check_host(host).map_err(|e| format!("{e}; {expected}"))?;
    check_port(port).map_err(|e| format!("{e}; {expected}"))?;
    Ok(())
}

/// Checks an RPC URL: scheme http, https, ws or wss, a valid host and an
/// optional port 1..65535; any path and query.
pub fn check_rpc_url(url: &str) -> Result<(), String> {
    let expected = "expected an http://, https://, ws:// or wss:// URL with a host, e.g. https://mainnet.example.org/v3/KEY";
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(format!("{url:?} is not a URL; {expected}"));
    };
    if !matches!(scheme, "http" | "https" | "ws" | "wss") {
        return Err(format!("scheme {scheme:?} is not supported; {expected}"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in the authority (user:pass@host) are legal URL syntax.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.is_empty() {
        return Err(format!("{url:?} has no host; {expected}"));
    }
    let (host, port) = match split_host_port(host_port) {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    };
    check_host(host).map_err(|e| format!("{e}; {expected}"))?;
    if let Some(port) = port {
        check_port(port).map_err(|e| format!("{e}; {expected}"))?;
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{url:?} contains white space or control characters; {expected}"
        ));
    }
    Ok(())
}

/// Splits off the port after the last colon, minding bracketed IPv6 hosts.
/// `None` when there is no port.
fn split_host_port(endpoint: &str) -> Option<(&str, &str)> {
    if endpoint.starts_with('[') {
        let end = endpoint.find(']')?;
        let port = endpoint[end + 1..].strip_prefix(':')?;
        return Some((&endpoint[..=end], port));
    }
    let (host, port) = endpoint.rsplit_once(':')?;
    if host.contains(':') {
        // An unbracketed IPv6 address: its last group is not a port.
        return None;
    }
    Some((host, port))
}

fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("host is empty".to_string());
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner
            .parse::<Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| format!("host {host:?} is not a valid IPv6 address"));
    }
    let looks_numeric = host
        .split('.')
        .all(|part| part.chars().all(|c| c.is_ascii_digit()));
    if looks_numeric {
        return host
            .parse::<Ipv4Addr>()
            .map(|_| ())
            .map_err(|_| format!("host {host:?} is not a valid IPv4 address"));
    }
    if !is_dns_subdomain_case_insensitive(host) {
        return Err(format!("host {host:?} is not a valid DNS name"));
    }
    Ok(())
}

fn check_port(port: &str) -> Result<(), String> {
    match port.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) && !port.starts_with('+') => Ok(()),
        _ => Err(format!("port {port:?} is not a number in 1-65535")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_accepts_names_and_addresses() {
        for ok in [
            "aggregator.example.com:9090",
            "localhost:1",
            "10.0.0.1:65535",
            "[::1]:9090",
            "agg-1.svc:443",
        ] {
            assert_eq!(check_host_port(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn host_port_rejects_with_a_reason() {
        let cases = [
            ("aggregator.example.com", "no port"),
            ("aggregator.example.com:0", "1-65535"),
            ("aggregator.example.com:70000", "1-65535"),
            ("aggregator.example.com:http", "port \"http\""),
            ("https://aggregator.example.com:9090", "URL scheme"),
            ("bad_host!:9090", "not a valid DNS name"),
            ("300.1.1.1:9090", "IPv4"),
            (":9090", "host is empty"),
            ("::1:9090", "no port"),
        ];
        for (endpoint, needle) in cases {
            let err = check_host_port(endpoint).unwrap_err();
            assert!(err.contains(needle), "{endpoint}: {err}");
        }
    }

    #[test]
    fn rpc_urls() {
        for ok in [
            "https://mainnet.infura.io/v3/YOUR_KEY",
            "http://localhost:8545",
            "wss://eth-mainnet.infura.io/ws/v3/ID",
            "ws://10.1.2.3:8546/",
            "https://user:pass@rpc.example.org/path?x=1",
        ] {
            assert_eq!(check_rpc_url(ok), Ok(()), "{ok}");
        }
        let cases = [
            ("mainnet.infura.io", "not a URL"),
            ("ftp://mainnet.infura.io", "scheme \"ftp\""),
            ("https://", "no host"),
            ("https://host:0/", "1-65535"),
            ("https://exa mple.com/", "not a valid DNS name"),
        ];
        for (url, needle) in cases {
            let err = check_rpc_url(url).unwrap_err();
            assert!(err.contains(needle), "{url}: {err}");
        }
    }
}
