//! Telling a service manager how this server is doing, in systemd's notify protocol (a unit with
//! `Type=notify`, or anything that listens on `NOTIFY_SOCKET`): `READY=1` once it accepts
//! connections, a `STATUS=` line whenever the projection lease or the projections move, and
//! `STOPPING=1` when it starts to drain. Nothing is sent when `NOTIFY_SOCKET` is unset.
//!
//! The status line is for people (`systemctl status hijraah`) and for the tests, which wait on
//! these messages rather than polling `/readyz`: `lease held; projections at 1234`.

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

use crate::projector::Projector;

/// Whether a service manager listens (`NOTIFY_SOCKET` is set).
pub fn listening() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some()
}

/// The status line: the lease, and the position every projection has reached.
pub fn status(projector: &Projector) -> String {
    let lease = if projector.leads() { "held" } else { "not held" };
    format!("lease {lease}; projections at {}", projector.slowest_position())
}

/// Sends `READY=1`, then a status line on every change until `stop`; `STOPPING=1` when `draining`
/// is cancelled. A failed send is logged once and reporting ends: the server does not depend on
/// its manager.
pub async fn report(projector: Projector, draining: CancellationToken, stop: CancellationToken) {
    let send = |states: &[NotifyState]| {
        sd_notify::notify(states).map_err(|error| {
            tracing::warn!(%error, "cannot notify the service manager (NOTIFY_SOCKET)");
        })
    };
    let mut lease = projector.lease().subscribe();
    let mut progress = projector.progress_changes();
    let mut last = status(&projector);
    if send(&[NotifyState::Ready, NotifyState::Status(&last)]).is_err() {
        return;
    }
    let mut stopping_sent = false;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = draining.cancelled(), if !stopping_sent => {
                stopping_sent = true;
                if send(&[NotifyState::Stopping]).is_err() {
                    return;
                }
                continue;
            }
            changed = lease.changed() => if changed.is_err() { return },
            changed = progress.changed() => if changed.is_err() { return },
        }
        let now = status(&projector);
        if now != last {
            if send(&[NotifyState::Status(&now)]).is_err() {
                return;
            }
            last = now;
        }
    }
}
