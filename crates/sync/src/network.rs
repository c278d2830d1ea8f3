//! Which kind of network the device is on, because media moves only on
//! unmetered networks unless the user allows cellular.
//!
//! On Linux the answer comes from NetworkManager's `Metered` and `State`
//! properties over D-Bus (the system bus, or `DEBRIEF_NM_BUS_ADDRESS` for a
//! stand-in service in tests). Phones will answer through their platform
//! APIs behind the same function. When the platform cannot say, desktops
//! count as unmetered and phones as metered (the safe side for data plans).
//! A user or test can always override with `--network`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    Unmetered,
    Metered,
    Offline,
}

impl NetworkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkKind::Unmetered => "unmetered",
            NetworkKind::Metered => "metered",
            NetworkKind::Offline => "offline",
        }
    }
}

impl fmt::Display for NetworkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NetworkKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unmetered" | "wifi" => Ok(NetworkKind::Unmetered),
            "metered" | "cellular" => Ok(NetworkKind::Metered),
            "offline" => Ok(NetworkKind::Offline),
            other => Err(format!(
                "unknown network kind '{other}' (expected metered or unmetered)"
            )),
        }
    }
}

/// Where the answer came from, for `debrief status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkSource {
    Override,
    NetworkManager,
    PlatformDefault,
}

/// What the platform says when it cannot find out.
pub fn platform_default() -> NetworkKind {
    if cfg!(any(target_os = "android", target_os = "ios")) {
        NetworkKind::Metered
    } else {
        NetworkKind::Unmetered
    }
}

/// The network kind now: the override if given, else NetworkManager, else
/// the platform default.
pub async fn detect(override_kind: Option<NetworkKind>) -> (NetworkKind, NetworkSource) {
    if let Some(k) = override_kind {
        return (k, NetworkSource::Override);
    }
    match network_manager().await {
        Ok(k) => (k, NetworkSource::NetworkManager),
        Err(e) => {
            tracing::debug!(error = %e, "NetworkManager not available; using the platform default");
            (platform_default(), NetworkSource::PlatformDefault)
        }
    }
}

/// NMMetered: 1 yes, 3 guess-yes are metered. NMState below 50 means not
/// connected (asleep, disconnected, disconnecting, connecting).
pub fn from_network_manager(metered: u32, state: u32) -> NetworkKind {
    if state < 50 {
        NetworkKind::Offline
    } else if matches!(metered, 1 | 3) {
        NetworkKind::Metered
    } else {
        NetworkKind::Unmetered
    }
}

async fn network_manager() -> zbus::Result<NetworkKind> {
    let conn = match std::env::var("DEBRIEF_NM_BUS_ADDRESS") {
        Ok(addr) => {
            zbus::connection::Builder::address(addr.as_str())?
                .build()
                .await?
        }
        Err(_) => zbus::Connection::system().await?,
    };
    let proxy = zbus::Proxy::new(
        &conn,
        "org.freedesktop.NetworkManager",
        "/org/freedesktop/NetworkManager",
        "org.freedesktop.NetworkManager",
    )
    .await?;
    let metered: u32 = proxy.get_property("Metered").await?;
    let state: u32 = proxy.get_property("State").await?;
    Ok(from_network_manager(metered, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_manager_values_map_to_kinds() {
        assert_eq!(from_network_manager(1, 70), NetworkKind::Metered);
        assert_eq!(from_network_manager(3, 70), NetworkKind::Metered);
        assert_eq!(from_network_manager(2, 70), NetworkKind::Unmetered);
        assert_eq!(from_network_manager(4, 60), NetworkKind::Unmetered);
        assert_eq!(from_network_manager(0, 70), NetworkKind::Unmetered);
        assert_eq!(from_network_manager(1, 20), NetworkKind::Offline);
        assert_eq!(
            "cellular".parse::<NetworkKind>().unwrap(),
            NetworkKind::Metered
        );
        assert!("5g".parse::<NetworkKind>().is_err());
    }
}
