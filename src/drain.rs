//! A listener that stops without dropping a connection the kernel already accepted for us.
//!
//! Closing a listening socket resets every connection still in its accept queue. A load balancer
//! has usually sent its request on such a connection already, and must not resend a `POST` (it
//! cannot know whether it ran), so the client would see an error. When told to stop, this
//! listener first accepts everything queued, without waiting, then closes the socket: connections
//! that arrive after that are refused, which a balancer retries on another server safely. Only a
//! moment later (`SETTLE`) does it tell the server to stop: hyper closes a connection whose
//! request it has not read yet as idle, so the connections just accepted get time to be read.

use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// How long the connections accepted last get to have their request read before the server's
/// graceful shutdown starts (which ends idle connections).
const SETTLE: std::time::Duration = std::time::Duration::from_millis(1_000);

pub struct DrainingListener {
    /// Both `None` once closed.
    listener: Option<TcpListener>,
    /// The same socket, non-blocking, for accepting without the reactor: its readiness may lag
    /// behind a connection the kernel has just queued.
    queue: Option<std::net::TcpListener>,
    address: SocketAddr,
    stop: CancellationToken,
    drained: CancellationToken,
}

impl DrainingListener {
    /// Serves `listener` until `stop`; `drained()` is cancelled once the queue is empty after it.
    pub fn new(listener: TcpListener, stop: CancellationToken) -> io::Result<Self> {
        let listener = listener.into_std()?;
        let queue = listener.try_clone()?;
        queue.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        Ok(Self {
            listener: Some(TcpListener::from_std(listener)?),
            queue: Some(queue),
            address,
            stop,
            drained: CancellationToken::new(),
        })
    }

    /// Cancelled a moment after every connection queued before the stop has been accepted and
    /// the socket closed: the server's graceful shutdown signal.
    pub fn drained(&self) -> CancellationToken {
        self.drained.clone()
    }

    fn accept_queued(&self) -> Option<(TcpStream, SocketAddr)> {
        let queue = self.queue.as_ref()?;
        loop {
            match queue.accept() {
                Ok((stream, address)) => {
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    match TcpStream::from_std(stream) {
                        Ok(stream) => return Some((stream, address)),
                        Err(_) => continue,
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return None,
                // A connection reset while queued, or out of descriptors: nothing left to hand on.
                Err(_) => return None,
            }
        }
    }
}

impl axum::serve::Listener for DrainingListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some(listener) = self.listener.as_ref().filter(|_| !self.stop.is_cancelled()) else {
                if let Some(connection) = self.accept_queued() {
                    return connection;
                }
                if self.listener.take().is_some() {
                    self.queue = None;
                    let drained = self.drained.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(SETTLE).await;
                        drained.cancel();
                    });
                }
                std::future::pending::<()>().await;
                continue;
            };
            tokio::select! {
                biased;
                _ = self.stop.cancelled() => continue,
                accepted = listener.accept() => match accepted {
                    Ok(connection) => return connection,
                    Err(error) => {
                        // Out of descriptors and the like: wait a little rather than spin.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                },
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.address)
    }
}
