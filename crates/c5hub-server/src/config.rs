//! Server settings: `c5hub.toml`, overridden by command-line flags.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! org = "national-cirt"        # the hub operator's organisation
//! public_access = false        # serve TLP:CLEAR to anonymous readers
//! secure_cookies = true        # set false only for plain-HTTP test setups
//! max_body_bytes = 8388608     # request body limit
//! session_hours = 8
//! read_connections = 4
//! max_batch = 512              # submissions per group commit
//! ```

use serde::Deserialize;

/// Server settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// The hub operator's organisation, owner of the admin account.
    pub org: String,
    /// Whether anonymous readers see TLP:CLEAR incidents.
    pub public_access: bool,
    /// Whether session cookies carry `Secure` (browsers then send them only
    /// over HTTPS, or to localhost).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a browser session lasts.
    pub session_hours: u32,
    /// Store connections for reads.
    pub read_connections: usize,
    /// Most incidents committed in one group commit.
    pub max_batch: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".to_owned(),
            org: "national-cirt".to_owned(),
            public_access: false,
            secure_cookies: true,
            max_body_bytes: 8 * 1024 * 1024,
            session_hours: 8,
            read_connections: 4,
            max_batch: 512,
        }
    }
}

impl Config {
    /// Reads a TOML file; unknown keys are an error naming the key.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let c =
            Config::from_toml("listen = \"0.0.0.0:9000\"\npublic_access = true\n").expect("valid");
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert!(c.public_access);
        assert_eq!(c.org, "national-cirt");
        let e = Config::from_toml("lisen = \"x\"").expect_err("typo");
        assert!(e.contains("lisen"), "{e}");
    }
}
