//! A kubelet's `containerLogs` endpoint, as kube-apiserver's `pods/log`
//! proxy reaches it: HTTPS on the port a Node advertises in
//! `status.daemonEndpoints.kubeletEndpoint`, `GET
//! /containerLogs/<namespace>/<pod>/<container>?<query>` (the flags as
//! `tailLines`, `sinceSeconds`, `follow`, ...), the log as the body; with
//! `follow=true` the body stays open until the container stops, then ends.
//! The apiserver here runs without `--kubelet-certificate-authority`, so,
//! as in kube-apiserver v1.33's kubelet client, it does not verify the
//! kubelet's certificate; one is served all the same.
//!
//! Each request's log is two lines naming the request's number, so a test
//! sees which read printed what.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hourglass_certs::{CertificateAuthority, ServingCertSpec};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// The endpoint, serving on 127.0.0.1 until dropped.
pub struct KubeletLogs {
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    stops: watch::Sender<u64>,
    task: JoinHandle<()>,
}

impl KubeletLogs {
    pub async fn start() -> KubeletLogs {
        let ca =
            CertificateAuthority::generate("stand-in kubelet", Duration::from_secs(3600)).unwrap();
        let serving = ca.issue_serving(&ServingCertSpec::for_localhost()).unwrap();
        let certs = CertificateDer::pem_slice_iter(serving.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(serving.key_pem.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (stops, _) = watch::channel(0u64);
        let task = tokio::spawn(serve(listener, acceptor, requests.clone(), stops.clone()));
        KubeletLogs {
            port,
            requests,
            stops,
            task,
        }
    }

    /// Every request's target (`/containerLogs/...?...`) so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// The containers stop: every log followed now ends.
    pub fn stop_containers(&self) {
        self.stops.send_modify(|generation| *generation += 1);
    }
}

impl Drop for KubeletLogs {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    requests: Arc<Mutex<Vec<String>>>,
    stops: watch::Sender<u64>,
) {
    while let Ok((socket, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        let requests = requests.clone();
        let mut stopped = stops.subscribe();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(socket).await else {
                return;
            };
            let mut tls = BufReader::new(tls);
            let mut request_line = String::new();
            if tls.read_line(&mut request_line).await.is_err() {
                return;
            }
            // The headers, up to the empty line; a GET has no body.
            loop {
                let mut header = String::new();
                match tls.read_line(&mut header).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) if header == "\r\n" => break,
                    Ok(_) => {}
                }
            }
            let target = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            let number = {
                let mut requests = requests.lock().unwrap();
                requests.push(target.clone());
                requests.len()
            };
            let follow = target.contains("follow=true");
            stopped.mark_unchanged();
            let body = format!("log {number} line 1\nlog {number} line 2\n");
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
            let stream = tls.get_mut();
            if stream.write_all(head.as_bytes()).await.is_err()
                || stream.write_all(body.as_bytes()).await.is_err()
                || stream.flush().await.is_err()
            {
                return;
            }
            if follow {
                let _ = stopped.changed().await;
            }
            let _ = stream.shutdown().await;
        });
    }
}
