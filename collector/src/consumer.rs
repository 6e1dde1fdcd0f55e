//! The Queue consumer: one Parquet object per (batch, hour) in R2. A message is acknowledged only
//! after the object holding it is stored; a failed put retries its messages (then the dead-letter
//! queue takes them), so nothing acknowledged is ever lost.

use hitflow_schema::columns::HitRow;
use hitflow_schema::Hit;
use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, console_log, event, Context, Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

use crate::batch::group_by_partition;
use crate::{message, HITS_BUCKET};

/// Seconds before a failed batch is redelivered; R2 hiccups are short.
const RETRY_DELAY_SECONDS: u32 = 10;

#[event(queue)]
pub async fn consume(batch: MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    let messages: Vec<_> = batch.raw_iter().collect();
    let retry = QueueRetryOptionsBuilder::new()
        .with_delay_seconds(RETRY_DELAY_SECONDS)
        .build();
    let ids: Vec<String> = messages.iter().map(|m| m.id()).collect();

    // Bodies are copied out of JS first; the decoded rows borrow their text from them.
    let bodies: Vec<Result<Body, String>> = messages.iter().map(|m| Body::read(&m.body())).collect();
    let mut decoded = Vec::with_capacity(messages.len());
    for (index, body) in bodies.iter().enumerate() {
        match body.as_ref().map_err(Clone::clone).and_then(Body::row) {
            Ok(row) => decoded.push((index, ids[index].as_str(), row)),
            // Never drop silently: retries end in the dead-letter queue for inspection.
            Err(why) => {
                console_error!(
                    "message {} is not a hit ({why}); sending it towards the dead-letter queue",
                    ids[index]
                );
                messages[index].retry_with_options(&retry);
            }
        }
    }

    let bucket = env.bucket(HITS_BUCKET)?;
    for group in group_by_partition(decoded) {
        let stored = match hitflow_schema::batch_writer::write_batch_rows(&group.hits) {
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

/// A message body: the binary record the fetch handler sends (`message.rs`), or JSON text, which
/// Worker versions before it sent and which may still be queued right after a deploy.
enum Body {
    Bytes(Vec<u8>),
    Json(Box<Hit>),
}

impl Body {
    fn read(body: &JsValue) -> Result<Body, String> {
        if let Some(text) = body.as_string() {
            return serde_json::from_str(&text)
                .map(|hit| Body::Json(Box::new(hit)))
                .map_err(|e| format!("JSON: {e}"));
        }
        if let Some(view) = body.dyn_ref::<js_sys::Uint8Array>() {
            return Ok(Body::Bytes(view.to_vec()));
        }
        if body.is_instance_of::<js_sys::ArrayBuffer>() {
            return Ok(Body::Bytes(js_sys::Uint8Array::new(body).to_vec()));
        }
        Err("neither bytes nor text".into())
    }

    fn row(&self) -> Result<HitRow<'_>, String> {
        match self {
            Body::Bytes(bytes) => message::decode(bytes).map_err(|e| e.to_string()),
            Body::Json(hit) => Ok(HitRow::from(hit.as_ref())),
        }
    }
}
