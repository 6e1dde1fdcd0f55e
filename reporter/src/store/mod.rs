//! Where the hits lake lives: a local folder (the embedded default) or an S3-compatible bucket
//! (S3, R2, a local S3 server). Everything above this module is the same for both.

mod local;
mod s3;

use bytes::Bytes;

pub use local::LocalStore;
pub use s3::S3Store;

/// One stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Key relative to the store's root/prefix, `/`-separated.
    pub key: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store location `{0}` is not understood: use a folder path, file://PATH or s3://BUCKET/PREFIX")]
    BadLocation(String),
    #[error("store folder {0} does not exist")]
    MissingFolder(String),
    // Not named `source`: the message holds it, and a source would print it a second time in
    // an error chain.
    #[error("object `{key}`: {error}")]
    Io { key: String, error: std::io::Error },
    #[error("object `{key}`: {message}")]
    Remote { key: String, message: String },
    #[error(
        "access denied to bucket `{bucket}` ({code}): check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the AWS profile) and the bucket policy"
    )]
    AccessDenied { bucket: String, code: String },
    #[error("no such bucket `{bucket}` at {endpoint}: check the bucket name and the endpoint")]
    NoSuchBucket { bucket: String, endpoint: String },
    #[error("cannot reach the S3 endpoint {endpoint}: check the URL and that the server is up")]
    Unreachable { endpoint: String },
    #[error("no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)")]
    NoCredentials,
    #[error("key `{0}` is not a safe relative key")]
    UnsafeKey(String),
}

/// A hits store. An enum rather than a trait object: two backends, async methods, no boxing.
#[derive(Debug, Clone)]
pub enum Store {
    Local(LocalStore),
    S3(S3Store),
}

impl Store {
    /// Opens `s3://bucket/prefix`, `file:///path` or a plain folder path. S3 credentials, region
    /// and endpoint (`AWS_ENDPOINT_URL` for R2 or a local server) come from the standard AWS
    /// environment and config files.
    pub async fn open(location: &str) -> Result<Self, StoreError> {
        if let Some(rest) = location.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(StoreError::BadLocation(location.to_owned()));
            }
            return Ok(Store::S3(S3Store::connect(bucket, prefix).await));
        }
        let path = location.strip_prefix("file://").unwrap_or(location);
        if path.is_empty() || location.contains("://") && !location.starts_with("file://") {
            return Err(StoreError::BadLocation(location.to_owned()));
        }
        Ok(Store::Local(LocalStore::new(path)))
    }

    /// Opens a local folder, creating it (for `generate` and `publish` targets).
    pub async fn open_or_create(location: &str) -> Result<Self, StoreError> {
        let store = Self::open(location).await?;
        if let Store::Local(local) = &store {
            local.create_root()?;
        }
        Ok(store)
    }

    /// A short description for logs (`file:///data`, `s3://bucket/prefix`).
    pub fn describe(&self) -> String {
        match self {
            Store::Local(s) => s.describe(),
            Store::S3(s) => s.describe(),
        }
    }

    /// Fails early and clearly when the store cannot be reached at all.
    pub async fn check(&self) -> Result<(), StoreError> {
        match self {
            Store::Local(s) => s.check(),
            Store::S3(s) => s.check().await,
        }
    }

    /// Every object whose key starts with `prefix`, sorted by key.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let mut objects = match self {
            Store::Local(s) => s.list(prefix).await?,
            Store::S3(s) => s.list(prefix).await?,
        };
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        match self {
            Store::Local(s) => s.get(key).await,
            Store::S3(s) => s.get(key).await,
        }
    }

    /// Stores an object durably: when this returns, a crash cannot lose it (fsync locally; S3's
    /// PUT is durable on success). `content_type` is sent to S3.
    pub async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), StoreError> {
        match self {
            Store::Local(s) => s.put(key, bytes).await,
            Store::S3(s) => s.put_with_cache(key, bytes, content_type, None).await,
        }
    }

    /// Like `put`, with a `Cache-Control` header for files served to browsers (ignored locally).
    pub async fn put_with_cache(
        &self,
        key: &str,
        bytes: Bytes,
        content_type: &str,
        cache_control: &str,
    ) -> Result<(), StoreError> {
        match self {
            Store::Local(s) => s.put(key, bytes).await,
            Store::S3(s) => s.put_with_cache(key, bytes, content_type, Some(cache_control)).await,
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Store::Local(s) => s.delete(key).await,
            Store::S3(s) => s.delete(key).await,
        }
    }
}

/// Rejects keys that could escape the store root (`..`, absolute, backslashes, empty parts).
pub(crate) fn check_key(key: &str) -> Result<(), StoreError> {
    let bad = key.is_empty()
        || key.starts_with('/')
        || key.contains('\\')
        || key.contains('\0')
        || key.split('/').any(|part| part == ".." || part == ".")
        || key.contains("//");
    if bad {
        Err(StoreError::UnsafeKey(key.to_owned()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_escape_are_refused() {
        for (key, ok) in [
            ("hits/date=2026-01-01/hour=00/a.parquet", true),
            ("a", true),
            ("", false),
            ("/etc/passwd", false),
            ("hits/../salts/x", false),
            ("hits/./x", false),
            ("a\\b", false),
            ("a//b", false),
        ] {
            assert_eq!(check_key(key).is_ok(), ok, "{key}");
        }
    }

    #[tokio::test]
    async fn locations_parse() {
        assert!(matches!(Store::open("/tmp/x").await, Ok(Store::Local(_))));
        assert!(matches!(Store::open("file:///tmp/x").await, Ok(Store::Local(_))));
        assert!(matches!(Store::open("http://x").await, Err(StoreError::BadLocation(_))));
        assert!(matches!(
            Store::open("s3:///prefix").await,
            Err(StoreError::BadLocation(_))
        ));
        assert!(matches!(Store::open("").await, Err(StoreError::BadLocation(_))));
    }
}
