//! Daily salts in R2 under `salts/YYYY-MM-DD`: created on first use of a day with a conditional
//! put (so concurrent isolates agree on one salt), cached per isolate, and deleted as soon as the
//! day is over (by the first isolate that creates the next day's salt, and by the cron trigger).

use std::sync::Mutex;

use hitflow_schema::layout::Ymd;
use worker::{Bucket, Conditional};

use crate::visitor::Salt;

const SALT_PREFIX: &str = "salts/";

/// The salt this isolate last used, with its UTC day number.
static CACHED: Mutex<Option<(i64, Salt)>> = Mutex::new(None);

fn key(day: i64) -> String {
    format!("{SALT_PREFIX}{}", Ymd::from_days(day))
}

/// The salt of UTC day `day` (days since the epoch), creating it if this is the day's first hit.
/// `bucket` is only called when the salt is not cached yet, so a cached day costs no binding
/// lookup.
pub async fn salt_for_day(bucket: impl FnOnce() -> worker::Result<Bucket>, day: i64) -> worker::Result<Salt> {
    if let Ok(guard) = CACHED.lock() {
        if let Some((cached_day, salt)) = *guard {
            if cached_day == day {
                return Ok(salt);
            }
        }
    }
    let bucket = bucket()?;
    let salt = match read(&bucket, day).await? {
        Some(salt) => salt,
        None => create(&bucket, day).await?,
    };
    if let Ok(mut guard) = CACHED.lock() {
        *guard = Some((day, salt));
    }
    Ok(salt)
}

async fn read(bucket: &Bucket, day: i64) -> worker::Result<Option<Salt>> {
    let Some(object) = bucket.get(key(day)).execute().await? else {
        return Ok(None);
    };
    let Some(body) = object.body() else {
        return Ok(None);
    };
    let bytes = body.bytes().await?;
    Salt::from_slice(&bytes)
        .map(Some)
        .ok_or_else(|| worker::Error::RustError(format!("salt object {} is corrupt", key(day))))
}

async fn create(bucket: &Bucket, day: i64) -> worker::Result<Salt> {
    let fresh = Salt::random().map_err(|e| worker::Error::RustError(format!("no randomness: {e}")))?;
    let created = bucket
        .put(key(day), fresh.0.to_vec())
        // Create-only: if another isolate won the race, its salt is the day's salt.
        .only_if(Conditional {
            etag_does_not_match: Some("*".into()),
            ..Conditional::default()
        })
        .execute()
        .await?;
    if created.is_some() {
        // Cleanup failing must not lose the hit: the hourly cron deletes old salts again.
        if let Err(err) = delete_before(bucket, day).await {
            worker::console_error!("deleting past salts failed (the cron retries): {err}");
        }
        return Ok(fresh);
    }
    read(bucket, day)
        .await?
        .ok_or_else(|| worker::Error::RustError("salt vanished after a lost creation race".into()))
}

/// Deletes the salts of every day before `day`, which makes those days' visitor ids unlinkable.
pub async fn delete_before(bucket: &Bucket, day: i64) -> worker::Result<usize> {
    let listed = bucket.list().prefix(SALT_PREFIX).execute().await?;
    let current = key(day);
    let stale: Vec<String> = listed
        .objects()
        .into_iter()
        .map(|object| object.key())
        .filter(|k| k.as_str() < current.as_str())
        .collect();
    let count = stale.len();
    for k in stale {
        bucket.delete(k).await?;
    }
    Ok(count)
}
