//! Free loopback ports.

use std::net::TcpListener;

use crate::error::HarnessError;

/// `N` distinct TCP ports on 127.0.0.1 that were free a moment ago. All are
/// held open until every one is picked, so they cannot repeat; another
/// process may still take one before our child binds it, which start-up
/// recognises ("address already in use") and retries with new ports.
pub fn free_loopback_ports<const N: usize>() -> Result<[u16; N], HarnessError> {
    let mut listeners = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in &mut ports {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| HarnessError::io("reserve a free port on 127.0.0.1", e))?;
        *port = listener
            .local_addr()
            .map_err(|e| HarnessError::io("read the address of a reserved port", e))?
            .port();
        listeners.push(listener);
    }
    Ok(ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_non_zero() {
        let ports = free_loopback_ports::<4>().unwrap();
        for (i, port) in ports.iter().enumerate() {
            assert_ne!(*port, 0);
            assert!(!ports[i + 1..].contains(port));
        }
    }
}
