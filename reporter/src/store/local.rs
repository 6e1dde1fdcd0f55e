//! A folder as a store: keys are relative paths below the root.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{check_key, ObjectMeta, StoreError};

#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalStore { root: root.into() }
    }

    pub fn describe(&self) -> String {
        format!("file://{}", self.root.display())
    }

    pub fn create_root(&self) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.root).map_err(|source| StoreError::Io {
            key: String::new(),
            error: source,
        })
    }

    pub fn check(&self) -> Result<(), StoreError> {
        if self.root.is_dir() {
            Ok(())
        } else {
            Err(StoreError::MissingFolder(self.root.display().to_string()))
        }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || list_blocking(&root, &prefix))
            .await
            .map_err(|e| StoreError::Io {
                key: String::new(),
                error: std::io::Error::other(e),
            })?
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let path = self.path(key)?;
        tokio::fs::read(&path)
            .await
            .map(Bytes::from)
            .map_err(|source| StoreError::Io {
                key: key.to_owned(),
                error: source,
            })
    }

    /// Writes to a temporary sibling, fsyncs, renames over the key, then fsyncs the folder: the
    /// object is either absent or complete, and durable once this returns.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        let path = self.path(key)?;
        let key_owned = key.to_owned();
        tokio::task::spawn_blocking(move || write_durably(&path, &bytes))
            .await
            .map_err(|e| StoreError::Io {
                key: key_owned.clone(),
                error: std::io::Error::other(e),
            })?
            .map_err(|source| StoreError::Io {
                key: key_owned,
                error: source,
            })
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io {
                key: key.to_owned(),
                error: source,
            }),
        }
    }
}

fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("key has no folder"))?;
    std::fs::create_dir_all(dir)?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("object");
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Walks only the folders that can hold keys with `prefix`, skipping temporary files.
fn list_blocking(root: &Path, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
    let io = |source| StoreError::Io {
        key: prefix.to_owned(),
        error: source,
    };
    // Start at the deepest folder fully named by the prefix.
    let start_rel = prefix.rfind('/').map(|i| &prefix[..i]).unwrap_or("");
    let start = if start_rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(start_rel)
    };
    let mut out = Vec::new();
    if !start.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![start];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let path = entry.path();
            let Ok(rel) = path.strip_prefix(root) else { continue };
            let Some(key) = rel.to_str().map(|k| k.replace(std::path::MAIN_SEPARATOR, "/")) else {
                continue;
            };
            let file_type = entry.file_type().map_err(io)?;
            if file_type.is_dir() {
                if prefix.starts_with(&format!("{key}/"))
                    || key.starts_with(prefix)
                    || format!("{key}/").starts_with(prefix)
                {
                    stack.push(path);
                }
            } else if file_type.is_file() && key.starts_with(prefix) && !is_temporary(&key) {
                let size = entry.metadata().map_err(io)?.len();
                out.push(ObjectMeta { key, size });
            }
        }
    }
    Ok(out)
}

fn is_temporary(key: &str) -> bool {
    key.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with('.') && name.ends_with(".tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_list_get_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        for key in [
            "hits/date=2026-01-01/hour=00/a.parquet",
            "hits/date=2026-01-01/hour=01/b.parquet",
            "hits/date=2026-01-02/hour=00/c.parquet",
            "reports/x.html",
        ] {
            store.put(key, Bytes::from_static(b"x")).await.unwrap();
        }
        let keys = |v: Vec<ObjectMeta>| {
            let mut k: Vec<String> = v.into_iter().map(|o| o.key).collect();
            k.sort();
            k
        };
        assert_eq!(keys(store.list("hits/date=2026-01-01/").await.unwrap()).len(), 2);
        assert_eq!(keys(store.list("hits/date=2026-01-0").await.unwrap()).len(), 3);
        assert_eq!(keys(store.list("").await.unwrap()).len(), 4);
        assert_eq!(keys(store.list("nothing/").await.unwrap()).len(), 0);
        assert_eq!(store.get("reports/x.html").await.unwrap(), Bytes::from_static(b"x"));
        store.delete("reports/x.html").await.unwrap();
        store.delete("reports/x.html").await.unwrap();
        assert!(store.get("reports/x.html").await.is_err());
        assert!(store.put("../escape", Bytes::new()).await.is_err());
    }
}
