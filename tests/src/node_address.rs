//! The machine's own non-loopback address, for Endpoints and EndpointSlices
//! (the apiserver refuses loopback addresses there) when a suite routes the
//! webhook Service to a process on this machine.

use std::net::{IpAddr, UdpSocket};

use crate::error::HarnessError;

/// The address on the default route: a UDP "connection" sends nothing, it
/// only makes the kernel choose the source address.
pub fn node_ip() -> Result<IpAddr, HarnessError> {
    let fail =
        |detail: String| HarnessError::io(detail, std::io::Error::other("no usable address"));
    let socket = UdpSocket::bind("0.0.0.0:0")
        .map_err(|e| HarnessError::io("bind a UDP socket to find this machine's address", e))?;
    // TEST-NET-3, never answered; any address off this machine would do.
    socket.connect("203.0.113.1:9").map_err(|e| {
        HarnessError::io(
            "this machine has no default route, so no address for Endpoints",
            e,
        )
    })?;
    let ip = socket
        .local_addr()
        .map_err(|e| HarnessError::io("read the UDP socket's address", e))?
        .ip();
    if ip.is_loopback() || ip.is_unspecified() {
        return Err(fail(format!(
            "Endpoints need a non-loopback address; the default route gave {ip}"
        )));
    }
    Ok(ip)
}
