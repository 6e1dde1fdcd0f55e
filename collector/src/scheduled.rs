//! The cron trigger: deletes salts of past days even when no hit arrives after midnight.

use hitflow_schema::time::MS_PER_DAY;
use worker::{console_error, console_log, event, Env, ScheduleContext, ScheduledEvent};

use crate::{salt_store, HITS_BUCKET};

#[event(scheduled)]
pub async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let today = (worker::Date::now().as_millis() as i64).div_euclid(MS_PER_DAY);
    let deleted = match env.bucket(HITS_BUCKET) {
        Ok(bucket) => salt_store::delete_before(&bucket, today).await,
        Err(err) => Err(err),
    };
    match deleted {
        Ok(n) => console_log!("deleted {n} expired salt(s)"),
        Err(err) => console_error!("salt cleanup failed: {err}"),
    }
}
