//! The Queue consumer: one Parquet object per (batch, hour) in R2. A message is acknowledged only
//! after the object holding it is stored; a failed put retries its messages (then the dead-letter
//! queue takes them), so nothing acknowledged is ever lost.

use worker::{console_error, console_log, event, Context, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

use crate::batch::group_by_partition;
use crate::HITS_BUCKET;

/// Seconds before a failed batch is redelivered; R2 hiccups are short.
const RETRY_DELAY_SECONDS: u32 = 10;

#[event(queue)]
pub async fn consume(batch: MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    let messages: Vec<_> = batch.raw_iter().collect();
    let retry = QueueRetryOptionsBuilder::new()
        .with_delay_seconds(RETRY_DELAY_SECONDS)
        .build();
    let ids: Vec<String> = messages.iter().map(|m| m.id()).collect();

    let mut decoded = Vec::with_capacity(messages.len());
    for (index, message) in messages.iter().enumerate() {
        match message.body().as_string().map(|text| serde_json::from_str(&text)) {
            Some(Ok(hit)) => decoded.push((index, ids[index].as_str(), hit)),
            // Never drop silently: retries end in the dead-letter queue for inspection.
            _ => {
                console_error!(
                    "message {} is not a hit; sending it towards the dead-letter queue",
                    ids[index]
                );
                message.retry_with_options(&retry);
            }
        }
    }

    let bucket = env.bucket(HITS_BUCKET)?;
    for group in group_by_partition(decoded) {
        let stored = match hitflow_schema::write_parquet(&group.hits) {
            Ok(bytes) => bucket.put(&group.key, bytes).execute().await.map(|_| ()),
            Err(err) => Err(worker::Error::RustError(err.to_string())),
        };
        match stored {
            Ok(()) => {
                console_log!("stored {} hits in {}", group.hits.len(), group.key);
                group.message_indices.iter().for_each(|&i| messages[i].ack());
            }
            Err(err) => {
                console_error!("storing {} failed, will retry: {err}", group.key);
                group
                    .message_indices
                    .iter()
                    .for_each(|&i| messages[i].retry_with_options(&retry));
            }
        }
    }
    Ok(())
}
