//! `reporter publish`: uploads the rendered report site to the store's `reports/` prefix, where
//! the collector serves it behind authentication. Only changed files are uploaded: a manifest of
//! content hashes (`reports/.manifest.json`, never served) remembers what is there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

const PREFIX: &str = "reports/";
const MANIFEST: &str = "reports/.manifest.json";

#[derive(Debug, Default, serde::Serialize)]
pub struct PublishSummary {
    pub files: u64,
    pub uploaded: u64,
    pub unchanged: u64,
    pub bytes_uploaded: u64,
}

/// Content type and cache policy of a site file. HTML revalidates quickly (new periods appear);
/// everything else is immutable per period folder.
pub fn headers_for(path: &str) -> (&'static str, &'static str) {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => ("text/html; charset=utf-8", "private, max-age=300"),
        "css" => ("text/css; charset=utf-8", "private, max-age=3600"),
        "json" => ("application/json", "private, max-age=300"),
        // The tables' CSV files: a browser downloads them instead of showing bytes.
        "csv" => ("text/csv; charset=utf-8", "private, max-age=300"),
        "svg" => ("image/svg+xml", "private, max-age=3600"),
        "png" => ("image/png", "private, max-age=3600"),
        "parquet" => ("application/vnd.apache.parquet", "private, max-age=3600"),
        _ => ("application/octet-stream", "private, max-age=300"),
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, out)?;
        } else if path.strip_prefix(root).is_ok() {
            out.push(path);
        }
    }
    Ok(())
}

pub async fn publish(site: &Path, store: &Store) -> anyhow::Result<PublishSummary> {
    let mut files = Vec::new();
    walk(site, site, &mut files).with_context(|| format!("cannot read site folder {}", site.display()))?;
    files.sort();
    let previous: BTreeMap<String, String> = match store.get(MANIFEST).await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(StoreError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(_) => BTreeMap::new(),
    };
    let mut manifest = previous.clone();
    let mut summary = PublishSummary::default();
    for path in files {
        let Some(rel) = path
            .strip_prefix(site)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace('\\', "/"))
        else {
            continue;
        };
        // Hidden and temporary files stay local.
        if rel.split('/').any(|part| part.starts_with('.')) || rel.ends_with(".tmp") {
            continue;
        }
        summary.files += 1;
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let hash = format!("{:x}", Sha256::digest(&bytes));
        if previous.get(&rel) == Some(&hash) {
            summary.unchanged += 1;
            continue;
        }
        let (content_type, cache) = headers_for(&rel);
        summary.bytes_uploaded += bytes.len() as u64;
        store
            .put_with_cache(&format!("{PREFIX}{rel}"), Bytes::from(bytes), content_type, cache)
            .await
            .with_context(|| format!("uploading {rel}"))?;
        manifest.insert(rel, hash);
        summary.uploaded += 1;
    }
    let json = serde_json::to_vec_pretty(&manifest)?;
    store.put(MANIFEST, Bytes::from(json), "application/json").await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::headers_for;

    #[test]
    fn tables_are_served_as_csv() {
        assert_eq!(
            headers_for("periods/2026-11-08_2026-11-14/example-com/landing-pages.csv").0,
            "text/csv; charset=utf-8"
        );
        assert_eq!(headers_for("a/index.html").0, "text/html; charset=utf-8");
    }
}
