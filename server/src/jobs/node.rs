//! This node's name in leases and index reports: kept in the data
//! directory, so a restarted node knows which leases were its own.

use std::path::Path;

pub fn node_id(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("node-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_string()),
        _ => {
            let host = std::env::var("HOSTNAME").unwrap_or_default();
            let short = uuid::Uuid::new_v4().simple().to_string();
            let id = if host.is_empty() {
                format!("node-{}", &short[..12])
            } else {
                format!("{host}-{}", &short[..12])
            };
            let tmp = data_dir.join("node-id.tmp");
            std::fs::write(&tmp, &id)?;
            std::fs::rename(&tmp, &path)?;
            Ok(id)
        }
    }
}
