//! An S3-compatible bucket as a store (AWS S3, Cloudflare R2, local S3 servers in tests).

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use bytes::Bytes;

use super::{check_key, ObjectMeta, StoreError};

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    /// Key prefix inside the bucket, empty or ending in `/`.
    prefix: String,
    /// Where requests go and where that came from, for error messages.
    endpoint: String,
}

impl S3Store {
    /// Connects with the standard AWS configuration chain (env vars such as `AWS_ENDPOINT_URL`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_REGION`, then `~/.aws/config` profiles). A custom endpoint (R2,
    /// a local server) gets path-style addressing, which every S3-compatible server supports.
    pub async fn connect(bucket: &str, prefix: &str) -> Self {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http_client)
            .load()
            .await;
        let mut config = aws_sdk_s3::config::Builder::from(&shared);
        if shared.endpoint_url().is_some() {
            config = config.force_path_style(true);
        }
        if shared.region().is_none() {
            // R2 and local servers ignore the region, but the signer needs one.
            config = config.region(aws_sdk_s3::config::Region::new("auto"));
        }
        let endpoint = match (shared.endpoint_url(), shared.region()) {
            (Some(url), _) => format!("{url} (AWS_ENDPOINT_URL)"),
            (None, Some(region)) => format!("https://s3.{region}.amazonaws.com (region {region})"),
            (None, None) => "AWS S3 (no region set: AWS_REGION or AWS_ENDPOINT_URL)".to_owned(),
        };
        let prefix = match prefix.trim_matches('/') {
            "" => String::new(),
            p => format!("{p}/"),
        };
        S3Store {
            client: Client::from_conf(config.build()),
            bucket: bucket.to_owned(),
            prefix,
            endpoint,
        }
    }

    pub fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn full_key(&self, key: &str) -> Result<String, StoreError> {
        check_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    fn remote(&self, key: &str, err: impl std::fmt::Display) -> StoreError {
        StoreError::Remote {
            key: format!("{}{key}", self.prefix),
            message: err.to_string(),
        }
    }

    /// An SDK error as one line a user can act on; the SDK's own account (raw response,
    /// connector chain) goes to the debug log (`--log debug`).
    fn failed<E>(&self, key: &str, err: SdkError<E, HttpResponse>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        tracing::debug!(bucket = %self.bucket, key, error = %DisplayErrorContext(&err), "S3 request failed");
        let unreachable = match &err {
            SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
            SdkError::TimeoutError(_) => true,
            _ => false,
        };
        if unreachable {
            return StoreError::Unreachable {
                endpoint: self.endpoint.clone(),
            };
        }
        if chain(&err).any(|e| e.is::<CredentialsError>()) {
            return StoreError::NoCredentials;
        }
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = err.as_service_error().and_then(|e| e.code()).map(str::to_owned);
        match (status, code.as_deref()) {
            // HEAD answers a missing bucket with a bare 404; a missing object says NoSuchKey.
            (_, Some("NoSuchBucket")) | (Some(404), None | Some("NotFound")) => StoreError::NoSuchBucket {
                bucket: self.bucket.clone(),
                endpoint: self.endpoint.clone(),
            },
            (Some(403), _) | (_, Some("AccessDenied" | "SignatureDoesNotMatch" | "InvalidAccessKeyId")) => {
                StoreError::AccessDenied {
                    bucket: self.bucket.clone(),
                    code: code.unwrap_or_else(|| "403".into()),
                }
            }
            (Some(404), _) => self.remote(key, "no such object"),
            (Some(status), code) => self.remote(
                key,
                format!(
                    "S3 answered {status}{}",
                    code.map(|c| format!(" {c}")).unwrap_or_default()
                ),
            ),
            // No answer and not a network failure: missing credentials, a bad endpoint URL … The
            // innermost error says which.
            (None, _) => self.remote(key, root_cause(&err)),
        }
    }

    pub async fn check(&self) -> Result<(), StoreError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.failed("", e))
    }

    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(format!("{}{prefix}", self.prefix))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.failed(prefix, e))?;
            for object in page.contents() {
                let Some(key) = object.key().and_then(|k| k.strip_prefix(&self.prefix)) else {
                    continue;
                };
                out.push(ObjectMeta {
                    key: key.to_owned(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                });
            }
        }
        Ok(out)
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.full_key(key)?)
            .send()
            .await
            .map_err(|e| self.failed(key, e))?;
        let body = output.body.collect().await.map_err(|e| self.remote(key, e))?;
        Ok(body.into_bytes())
    }

    pub async fn put_with_cache(
        &self,
        key: &str,
        bytes: Bytes,
        content_type: &str,
        cache_control: Option<&str>,
    ) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(self.full_key(key)?)
            .content_type(content_type)
            .set_cache_control(cache_control.map(str::to_owned))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.failed(key, e))
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.full_key(key)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.failed(key, e))
    }
}

/// An error and its sources, outermost first.
fn chain<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| e.source())
}

/// The innermost error of a chain: the SDK wraps the actionable part in several layers.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    chain(err).last().map(|e| e.to_string()).unwrap_or_default()
}
