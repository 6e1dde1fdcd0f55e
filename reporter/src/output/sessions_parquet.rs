//! `sessions.parquet`: one row per human session of the period, for ad-hoc SQL (DuckDB etc.).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, TimestampMillisecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;

use crate::scan::rows::{Tables, DIM_BROWSER, DIM_COUNTRY, DIM_DEVICE, DIM_OS};
use crate::sessions::lookup::Lookup;
use crate::sessions::session::Session;

const BATCH_ROWS: usize = 64 * 1024;

/// Column names of `sessions.parquet` (documented in README).
pub const COLUMNS: [&str; 24] = [
    "site",
    "visitor_id",
    "start",
    "end",
    "duration_s",
    "engaged_s",
    "hits",
    "pageviews",
    "events",
    "landing_page",
    "exit_page",
    "channel",
    "source",
    "medium",
    "campaign",
    "device",
    "browser",
    "os",
    "country",
    "is_bounce",
    "is_engaged",
    "converted",
    "revenue",
    "end_reason",
];

fn schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    let types = [
        DataType::Utf8,
        DataType::UInt64,
        ts.clone(),
        ts,
        DataType::Float64,
        DataType::Float64,
        DataType::UInt32,
        DataType::UInt32,
        DataType::UInt32,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Utf8,
        DataType::Boolean,
        DataType::Boolean,
        DataType::Boolean,
        DataType::Float64,
        DataType::Utf8,
    ];
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .zip(types)
            .map(|(name, t)| Field::new(*name, t, true))
            .collect::<Vec<_>>(),
    ))
}

/// A session ready to be written, with its derived flags.
pub struct SessionRow<'a> {
    pub session: &'a Session,
    pub engaged: bool,
}

pub struct SessionsWriter {
    writer: ArrowWriter<File>,
    pending: Vec<PendingRow>,
    pub rows: u64,
}

/// The strings of a session, resolved while the tables are at hand.
struct PendingRow {
    text: [u32; 12],
    visitor: u64,
    start: i64,
    end: i64,
    duration_ms: i64,
    engaged_ms: u64,
    counts: [u32; 3],
    flags: [bool; 3],
    revenue: f64,
    end_reason: &'static str,
}

impl SessionsWriter {
    pub fn create(path: &Path) -> Result<Self, crate::output::OutputError> {
        let file = File::create(path).map_err(|e| crate::output::OutputError::io(path, e))?;
        let writer = ArrowWriter::try_new(file, schema(), Some(hitflow_schema::writer_properties()))
            .map_err(|e| crate::output::OutputError::parquet(path, e))?;
        Ok(SessionsWriter {
            writer,
            pending: Vec::new(),
            rows: 0,
        })
    }

    pub fn add(
        &mut self,
        row: SessionRow<'_>,
        lookup: &Lookup,
        tables: &Tables,
    ) -> Result<(), parquet::errors::ParquetError> {
        let s = row.session;
        let attr = lookup.attr(s.attr);
        let dims = tables.dims.get(s.dims);
        self.pending.push(PendingRow {
            text: [
                s.site,
                s.landing,
                s.exit,
                attr.channel,
                attr.source,
                attr.medium,
                attr.campaign,
                dims[DIM_DEVICE],
                dims[DIM_BROWSER],
                dims[DIM_OS],
                dims[DIM_COUNTRY],
                0,
            ],
            visitor: s.visitor,
            start: s.start,
            end: s.end,
            duration_ms: s.duration_ms,
            engaged_ms: s.engaged_ms,
            counts: [s.hits, s.pageviews, s.events],
            flags: [s.is_bounce(), row.engaged, s.converted()],
            revenue: s.revenue,
            end_reason: s.end_reason.as_str(),
        });
        if self.pending.len() >= BATCH_ROWS {
            self.flush(tables)?;
        }
        Ok(())
    }

    fn flush(&mut self, tables: &Tables) -> Result<(), parquet::errors::ParquetError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let n = self.pending.len();
        let text = |slot: usize| {
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for r in &self.pending {
                b.append_option(tables.opt(r.text[slot]));
            }
            Arc::new(b.finish()) as ArrayRef
        };
        let mut visitor = UInt64Builder::with_capacity(n);
        let (mut start, mut end) = (
            TimestampMillisecondBuilder::with_capacity(n),
            TimestampMillisecondBuilder::with_capacity(n),
        );
        let (mut duration, mut engaged_s, mut revenue) = (
            Float64Builder::with_capacity(n),
            Float64Builder::with_capacity(n),
            Float64Builder::with_capacity(n),
        );
        let mut counts: [UInt32Builder; 3] = std::array::from_fn(|_| UInt32Builder::with_capacity(n));
        let mut flags: [BooleanBuilder; 3] = std::array::from_fn(|_| BooleanBuilder::with_capacity(n));
        let mut reason = StringBuilder::with_capacity(n, n * 8);
        for r in &self.pending {
            visitor.append_value(r.visitor);
            start.append_value(r.start);
            end.append_value(r.end);
            duration.append_value(r.duration_ms as f64 / 1000.0);
            engaged_s.append_value(r.engaged_ms as f64 / 1000.0);
            for (b, v) in counts.iter_mut().zip(r.counts) {
                b.append_value(v);
            }
            for (b, v) in flags.iter_mut().zip(r.flags) {
                b.append_value(v);
            }
            revenue.append_value(r.revenue);
            reason.append_value(r.end_reason);
        }
        let [hits, pageviews, events] = counts.map(|mut b| Arc::new(b.finish()) as ArrayRef);
        let [bounce, engaged, converted] = flags.map(|mut b| Arc::new(b.finish()) as ArrayRef);
        let columns: Vec<ArrayRef> = vec![
            text(0),
            Arc::new(visitor.finish()),
            Arc::new(start.finish().with_timezone("UTC")),
            Arc::new(end.finish().with_timezone("UTC")),
            Arc::new(duration.finish()),
            Arc::new(engaged_s.finish()),
            hits,
            pageviews,
            events,
            text(1),
            text(2),
            text(3),
            text(4),
            text(5),
            text(6),
            text(7),
            text(8),
            text(9),
            text(10),
            bounce,
            engaged,
            converted,
            Arc::new(revenue.finish()),
            Arc::new(reason.finish()),
        ];
        let batch = RecordBatch::try_new(schema(), columns)?;
        self.writer.write(&batch)?;
        self.rows += n as u64;
        self.pending.clear();
        Ok(())
    }

    pub fn finish(mut self, tables: &Tables) -> Result<u64, parquet::errors::ParquetError> {
        self.flush(tables)?;
        self.writer.close()?;
        Ok(self.rows)
    }
}
